<?php
// Runs local_lmsgw's create_or_update_scorm against a minimal stand-in for
// Moodle 4.3 (no Moodle here): the core_external base classes, an in-memory
// $DB with delegated transactions that roll back, locks, capabilities, and
// stand-ins of the libraries in moodle-stub/ that behave like Moodle's in the
// one way that broke plugin 0.1.0: course/modlib.php uses grade_item and
// completion_info without loading lib/gradelib.php and lib/completionlib.php.
// What it proves: the plugin loads what it needs, creates the activity with
// the completion settings asked for (and turns the course's completion on),
// keeps them on update, classifies package errors by error code, checks for
// the activity inside the transaction under the lock, and rolls back on error.
// What it cannot prove: that the real Moodle functions behave like these
// stand-ins (see the project README for what was checked against Moodle).
// Usage: php run.php <plugin dir>; prints "N passed, N failed".

namespace core_external {
    class external_value {
        public $type;
        public $required;
        public $default;
        public function __construct($type, $desc = '', $required = VALUE_REQUIRED, $default = null) {
            $this->type = $type;
            $this->required = $required;
            $this->default = $default;
        }
    }
    class external_single_structure {
        public $keys;
        public function __construct(array $keys = [], $desc = '') {
            $this->keys = $keys;
        }
    }
    class external_function_parameters extends external_single_structure {
    }
    class external_warnings extends external_single_structure {
    }
    class external_api {
        /** Fills defaults, refuses unknown keys and non-integers, as Moodle does. */
        public static function validate_parameters(external_function_parameters $desc, array $params): array {
            $out = [];
            foreach ($desc->keys as $key => $value) {
                if (!array_key_exists($key, $params)) {
                    if ($value->required === VALUE_REQUIRED) {
                        throw new \invalid_parameter_exception("missing $key");
                    }
                    $out[$key] = $value->default;
                    continue;
                }
                if ($value->type === PARAM_INT && !is_int($params[$key])) {
                    throw new \invalid_parameter_exception("$key is not an integer");
                }
                $out[$key] = $params[$key];
            }
            $unknown = array_diff(array_keys($params), array_keys($desc->keys));
            if ($unknown) {
                throw new \invalid_parameter_exception('Unexpected keys (' . implode(', ', $unknown) . ')');
            }
            return $out;
        }
        public static function validate_context($context) {
        }
    }
}

namespace core\lock {
    class lock {
        public function release() {
            $GLOBALS['LOCKS']--;
        }
    }
    class lock_factory {
        public function get_lock($resource, $timeout) {
            if (!empty($GLOBALS['LOCK_BUSY'])) {
                return false;
            }
            $GLOBALS['LOCKS']++;
            return new lock();
        }
    }
    class lock_config {
        public static function get_lock_factory($type) {
            return new lock_factory();
        }
    }
}

namespace {
    define('MOODLE_INTERNAL', 1);
    define('PARAM_INT', 'int');
    define('PARAM_TEXT', 'text');
    define('PARAM_ALPHA', 'alpha');
    define('PARAM_BOOL', 'bool');
    define('VALUE_REQUIRED', 1);
    define('VALUE_OPTIONAL', 2);
    define('VALUE_DEFAULT', 0);
    define('MUST_EXIST', 2);
    define('FORMAT_HTML', 1);

    class moodle_exception extends \Exception {
        public $errorcode;
        public function __construct($errorcode, $module = '', $link = '', $a = null) {
            $this->errorcode = $errorcode;
            parent::__construct("$module/$errorcode " . (is_scalar($a) ? $a : ''));
        }
    }
    class invalid_parameter_exception extends moodle_exception {
        public function __construct($debuginfo = '') {
            parent::__construct('invalidparameter', 'debug', '', $debuginfo);
        }
    }
    class dml_write_exception extends moodle_exception {
        public function __construct($error) {
            parent::__construct('dmlwriteexception', 'error', '', $error);
        }
    }
    class dml_missing_record_exception extends moodle_exception {
        public function __construct($table) {
            parent::__construct('invalidrecord', 'error', '', $table);
        }
    }
    class required_capability_exception extends moodle_exception {
        public function __construct($cap) {
            parent::__construct('nopermissions', 'error', '', $cap);
        }
    }

    /** The tables as arrays of records; a delegated transaction snapshots them. */
    class fake_db {
        public $tables = [];
        public $intransaction = 0;
        public $checkedintransaction = false;
        private $next = 100;
        public function get_record($table, array $cond, $fields = '*', $strictness = 0) {
            if ($table === 'course_modules' && isset($cond['idnumber'])) {
                $this->checkedintransaction = $this->intransaction > 0 && !empty($GLOBALS['LOCKS']);
            }
            foreach ($this->tables[$table] ?? [] as $r) {
                $match = true;
                foreach ($cond as $k => $v) {
                    $match = $match && isset($r->$k) && $r->$k == $v;
                }
                if ($match) {
                    return $r;
                }
            }
            if ($strictness === MUST_EXIST) {
                throw new dml_missing_record_exception($table);
            }
            return false;
        }
        public function get_field($table, $field, array $cond, $strictness = 0) {
            return $this->get_record($table, $cond, '*', $strictness)->$field;
        }
        public function insert($table, $record) {
            $record->id = $this->next++;
            $this->tables[$table][$record->id] = $record;
            return $record->id;
        }
        public function update($table, $record) {
            foreach ((array)$record as $k => $v) {
                $this->tables[$table][$record->id]->$k = $v;
            }
        }
        public function start_delegated_transaction() {
            return new fake_transaction($this);
        }
    }
    class fake_transaction {
        private $db;
        private $snapshot;
        public function __construct(fake_db $db) {
            $this->db = $db;
            $this->snapshot = unserialize(serialize($db->tables));
            $db->intransaction++;
        }
        public function allow_commit() {
            $this->db->intransaction--;
        }
        public function rollback($e) {
            $this->db->tables = $this->snapshot;
            $this->db->intransaction--;
            throw $e;
        }
    }

    class context_course {
        public static function instance($id) {
            return (object)['id' => $id];
        }
    }
    class context_user {
        public static function instance($id) {
            return (object)['id' => 1000 + $id];
        }
    }
    function require_capability($cap, $context) {
        if (!in_array($cap, $GLOBALS['CAPS'])) {
            throw new required_capability_exception($cap);
        }
    }
    function get_config($plugin) {
        return (object)[];
    }
    /** A draft file: a zip (or not) with a manifest (or not). */
    class stored_file {
        public $iszip;
        public $has_manifest;
        public function __construct($iszip, $manifest) {
            $this->iszip = $iszip;
            $this->has_manifest = $manifest;
        }
        public function list_files($packer) {
            return $this->iszip ? [(object)['pathname' => 'x']] : false;
        }
        public function get_filename() {
            return 'package.zip';
        }
    }
    function get_file_packer($mime) {
        return null;
    }
    function get_file_storage() {
        return new class {
            public function get_area_files($contextid, $component, $area, $itemid) {
                return $GLOBALS['DRAFTS'][$itemid] ?? [];
            }
        };
    }

    $plugin = $argv[1] ?? __DIR__ . '/../local_lmsgw';
    $CFG = (object)['dirroot' => __DIR__ . '/moodle-stub', 'libdir' => __DIR__ . '/moodle-stub/lib',
        'enablecompletion' => 1];
    $USER = (object)['id' => 2];
    $DB = new fake_db();
    $LOCKS = 0;
    $LOCK_BUSY = false;
    $CAPS = ['moodle/course:manageactivities', 'mod/scorm:addinstance', 'moodle/course:update'];
    $DRAFTS = [11 => [new stored_file(true, true)], 12 => [new stored_file(true, true)],
        13 => [new stored_file(false, false)], 14 => [new stored_file(true, false)]];
    $DB->tables['modules'] = [1 => (object)['id' => 1, 'name' => 'scorm']];
    $DB->tables['course'] = [5 => (object)['id' => 5, 'enablecompletion' => 0],
        6 => (object)['id' => 6, 'enablecompletion' => 0]];
    require($plugin . '/classes/external/create_or_update_scorm.php');

    $passed = 0;
    $failed = 0;
    function check($ok, $what) {
        global $passed, $failed;
        if ($ok) {
            $passed++;
        } else {
            $failed++;
            echo "FAIL $what\n";
        }
    }
    function call(...$args) {
        return \local_lmsgw\external\create_or_update_scorm::execute(...$args);
    }
    /** The errorcode of what call() throws, or "none". */
    function error_of(...$args) {
        try {
            call(...$args);
            return 'none';
        } catch (moodle_exception $e) {
            return $e->errorcode;
        }
    }

    try {
        // Create with the defaults: automatic, passed or completed; the course's completion turned on.
        $r = call(5, 11, 'Fire safety');
        check($r['created'] === true, 'created');
        check($r['completion'] === 2, 'completion automatic on create');
        check($r['completionstatusrequired'] === 6, 'status rule passed|completed on create');
        check($r['completionscorerequired'] === 0, 'no score rule');
        check($DB->tables['course'][5]->enablecompletion == 1, 'course completion switched on');
        check($DB->checkedintransaction, 'existing activity looked up inside the transaction, under the lock');
        check($LOCKS === 0, 'lock released');
        $cmid = $r['cmid'];

        // Update (v2): same activity, new revision, completion kept though the call says none.
        $r = call(5, 12, 'Fire safety v2', 'none', 0, 0);
        check($r['created'] === false, 'updated, not created');
        check($r['cmid'] === $cmid, 'same cmid');
        check($r['revision'] === 2, 'revision 2');
        check($r['completion'] === 2 && $r['completionstatusrequired'] === 6, 'completion kept on update');
        check($DB->tables['scorm'][$r['instance']]->name === 'Fire safety v2', 'renamed');

        // A new course without tracking.
        $r = call(6, 11, 'No tracking', 'none');
        check($r['completion'] === 0 && $r['completionstatusrequired'] === 0, 'none: no tracking');
        check($DB->tables['course'][6]->enablecompletion == 0, 'none: course completion left off');

        // Errors by error code.
        check(error_of(5, 13, 'x') === 'badpackage', 'not a zip: badpackage');
        check(error_of(5, 14, 'x') === 'nomanifest', 'no manifest: nomanifest');
        check(error_of(5, 99, 'x') === 'draftareaempty', 'empty draft area');
        check(error_of(5, 11, 'x', 'manual') === 'invalidparameter', 'tracking manual refused');
        check(error_of(5, 11, 'x', 'automatic', 8) === 'invalidparameter', 'unknown status bit refused');
        check(error_of(5, 11, 'x', 'automatic', 0, 0) === 'invalidparameter', 'automatic without a rule refused');
        check(error_of(77, 11, 'x') === 'invalidrecord', 'no such course');
        $DB->tables['course'][7] = (object)['id' => 7, 'enablecompletion' => 1];
        $CFG->enablecompletion = 0;
        check(error_of(7, 11, 'x') === 'completiondisabled', 'site completion off: completiondisabled');
        $CFG->enablecompletion = 1;
        $LOCK_BUSY = true;
        check(error_of(7, 11, 'x') === 'locktimeout', 'lock not acquired: locktimeout');
        $LOCK_BUSY = false;

        // An error inside the transaction rolls everything back and reaches the caller.
        $before = serialize($DB->tables);
        $CAPS = ['moodle/course:manageactivities', 'mod/scorm:addinstance'];
        $DB->tables['course'][8] = (object)['id' => 8, 'enablecompletion' => 0];
        $before = serialize($DB->tables);
        check(error_of(8, 11, 'x') === 'nopermissions', 'course:update needed to switch completion on');
        check(serialize($DB->tables) === $before && $DB->intransaction === 0, 'rolled back');
        check($LOCKS === 0, 'lock released after an error');
    } catch (\Throwable $e) {
        check(false, get_class($e) . ': ' . $e->getMessage());
    }
    echo "$passed passed, $failed failed\n";
    exit($failed ? 1 : 0);
}
