<?php
// This file is part of lmsgw's Moodle companion plugin.
//
// It is free software: you can redistribute it and/or modify it under the
// terms of the GNU General Public License as published by the Free Software
// Foundation, either version 3 of the License, or (at your option) any later
// version (as Moodle itself).

/**
 * local_lmsgw_create_or_update_scorm: the one function core Moodle lacks.
 *
 * Contract (shared with lmsgw's connector gateway/outbound/lms_moodle.c and its
 * simulator tests/lmssim/sim_moodle.c):
 *   local_lmsgw_create_or_update_scorm(courseid: int, draftitemid: int, name: string,
 *       completiontracking: "automatic"|"none" = "automatic",
 *       completionstatusrequired: int = 6, completionscorerequired: int = 0)
 * puts the SCORM package found in the calling user's draft area draftitemid (its
 * first file, uploaded with /webservice/upload.php) into course courseid as a
 * SCORM activity named name, in section 0. The plugin manages at most one such
 * activity per course, recognised by its course-module idnumber "lmsgw:scorm":
 * when it exists its package is replaced (mod_scorm raises the revision) and it
 * is renamed; otherwise it is created. Calling it again with the same arguments
 * therefore never adds a second activity. Calls for one course are serialised by
 * a lock, and the "does it exist" check runs inside the same delegated
 * transaction as the create or update.
 *
 * Completion: a new activity gets automatic completion tracking (course_modules
 * completion = COMPLETION_TRACKING_AUTOMATIC) with mod_scorm's status rule
 * completionstatusrequired, mod_scorm's own bitmask of scorm_status_options()
 * (passed = 2, completed = 4; the default 6 is "passed or completed", 0 no
 * status rule) and, when completionscorerequired > 0, the minimum score rule; the course's enablecompletion is switched on when it is off. With
 * completiontracking "none" the activity has no completion tracking. An update
 * keeps the activity's completion settings as they are (a teacher may have
 * changed them; the completion parameters are ignored then).
 *
 * Returns {"cmid", "instance", "revision", "created", "completion",
 * "completionstatusrequired", "completionscorerequired", "warnings"}, the
 * completion values being what the activity has after the call.
 * Errors (moodle_exception error codes): invalidparameter, invalidrecord (no such
 * course), draftareaempty, badpackage (not a zip), nomanifest (no imsmanifest.xml
 * at the root), completiondisabled (completion tracking asked for, but disabled
 * for the site), locktimeout (another call for the same course held the lock
 * too long; retry).
 *
 * @package    local_lmsgw
 * @license    http://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace local_lmsgw\external;

use core_external\external_api;
use core_external\external_function_parameters;
use core_external\external_single_structure;
use core_external\external_value;
use core_external\external_warnings;

/**
 * Creates or updates the lmsgw-managed SCORM activity of a course.
 */
class create_or_update_scorm extends external_api {

    /** The course-module idnumber of the activity this plugin manages. */
    const IDNUMBER = 'lmsgw:scorm';

    /** Seconds a call waits for another call on the same course to finish. */
    const LOCK_TIMEOUT = 20;

    /**
     * Parameters.
     *
     * @return external_function_parameters
     */
    public static function execute_parameters(): external_function_parameters {
        return new external_function_parameters([
            'courseid' => new external_value(PARAM_INT, 'The course id'),
            'draftitemid' => new external_value(PARAM_INT, 'The draft area item id holding the package'),
            'name' => new external_value(PARAM_TEXT, 'The activity name'),
            'completiontracking' => new external_value(PARAM_ALPHA,
                'Completion tracking of a new activity: automatic or none', VALUE_DEFAULT, 'automatic'),
            'completionstatusrequired' => new external_value(PARAM_INT,
                'With automatic tracking: the SCORM statuses that complete the activity, mod_scorm\'s '
                . 'bitmask (passed 2, completed 4, either of them 6; 0: no status rule)', VALUE_DEFAULT, 6),
            'completionscorerequired' => new external_value(PARAM_INT,
                'With automatic tracking: the minimum score that completes the activity (0: no score rule)',
                VALUE_DEFAULT, 0),
        ]);
    }

    /**
     * Creates the activity, or replaces its package when it exists.
     *
     * @param int $courseid
     * @param int $draftitemid
     * @param string $name
     * @param string $completiontracking
     * @param int $completionstatusrequired
     * @param int $completionscorerequired
     * @return array
     */
    public static function execute(int $courseid, int $draftitemid, string $name,
            string $completiontracking = 'automatic', int $completionstatusrequired = 6,
            int $completionscorerequired = 0): array {
        global $DB;
        self::require_libraries();

        $params = self::validate_parameters(self::execute_parameters(), [
            'courseid' => $courseid,
            'draftitemid' => $draftitemid,
            'name' => $name,
            'completiontracking' => $completiontracking,
            'completionstatusrequired' => $completionstatusrequired,
            'completionscorerequired' => $completionscorerequired,
        ]);
        $name = trim($params['name']);
        if ($name === '') {
            throw new \invalid_parameter_exception('name must not be empty');
        }
        $completion = self::completion_settings($params);

        // Throws dml_missing_record_exception (errorcode invalidrecord) when absent.
        $course = $DB->get_record('course', ['id' => $params['courseid']], '*', MUST_EXIST);
        $context = \context_course::instance($course->id);
        self::validate_context($context);
        require_capability('moodle/course:manageactivities', $context);
        require_capability('mod/scorm:addinstance', $context);

        self::check_package(self::draft_package($params['draftitemid']));
        $module = $DB->get_record('modules', ['name' => 'scorm'], '*', MUST_EXIST);

        // One call per course at a time: two calls that both found no activity
        // would otherwise both create one.
        $lock = \core\lock\lock_config::get_lock_factory('local_lmsgw')
            ->get_lock('scorm-course-' . $course->id, self::LOCK_TIMEOUT);
        if (!$lock) {
            throw new \moodle_exception('locktimeout', 'local_lmsgw', '', $course->id);
        }
        try {
            $transaction = $DB->start_delegated_transaction();
            try {
                $existing = $DB->get_record('course_modules', ['course' => $course->id,
                    'module' => $module->id, 'idnumber' => self::IDNUMBER, 'deletioninprogress' => 0]);
                if ($existing) {
                    $created = false;
                    [$cmid, $instance] = self::update($existing, $course, $params['draftitemid'], $name);
                } else {
                    $created = true;
                    $course = self::enable_course_completion($course, $completion);
                    [$cmid, $instance] = self::create($module, $course, $params['draftitemid'], $name,
                        $completion);
                }
                $transaction->allow_commit();
            } catch (\Throwable $e) {
                $transaction->rollback($e);
            }
        } finally {
            $lock->release();
        }

        $scorm = $DB->get_record('scorm', ['id' => $instance], '*', MUST_EXIST);
        $cmcompletion = (int)$DB->get_field('course_modules', 'completion', ['id' => $cmid], MUST_EXIST);
        return [
            'cmid' => (int)$cmid,
            'instance' => (int)$instance,
            'revision' => (int)$scorm->revision,
            'created' => $created,
            'completion' => $cmcompletion,
            'completionstatusrequired' => (int)$scorm->completionstatusrequired,
            'completionscorerequired' => (int)$scorm->completionscorerequired,
            'warnings' => [],
        ];
    }

    /**
     * Loads what Moodle's own module edit form (course/modedit.php) has loaded
     * before it calls add_moduleinfo() or update_moduleinfo():
     * get_moduleinfo_data() uses grade_item (lib/gradelib.php), add_moduleinfo()
     * uses completion_info (lib/completionlib.php), and mod_scorm's functions and
     * constants live in its lib.php and locallib.php.
     */
    private static function require_libraries(): void {
        global $CFG;
        require_once($CFG->dirroot . '/course/lib.php');
        require_once($CFG->dirroot . '/course/modlib.php');
        require_once($CFG->libdir . '/gradelib.php');
        require_once($CFG->libdir . '/completionlib.php');
        require_once($CFG->libdir . '/filelib.php');
        require_once($CFG->dirroot . '/mod/scorm/lib.php');
        require_once($CFG->dirroot . '/mod/scorm/locallib.php');
    }

    /**
     * The completion settings of a new activity, from the parameters.
     *
     * @param array $params the validated parameters
     * @return \stdClass {completion, completionstatusrequired (bitmask or null),
     *     completionscorerequired (int or null)}
     */
    private static function completion_settings(array $params): \stdClass {
        $tracking = $params['completiontracking'];
        if ($tracking === 'none') {
            return (object)['completion' => COMPLETION_TRACKING_NONE,
                'completionstatusrequired' => null, 'completionscorerequired' => null];
        }
        if ($tracking !== 'automatic') {
            throw new \invalid_parameter_exception('completiontracking must be automatic or none');
        }
        // mod_scorm's status rule is a bitmask of scorm_status_options() keys.
        $known = array_sum(array_keys(scorm_status_options()));
        $mask = $params['completionstatusrequired'];
        if ($mask < 0 || ($mask & ~$known) !== 0) {
            throw new \invalid_parameter_exception('completionstatusrequired is a sum of ' .
                implode(', ', array_keys(scorm_status_options())));
        }
        $score = $params['completionscorerequired'];
        if ($score < 0) {
            throw new \invalid_parameter_exception('completionscorerequired must be 0 or more');
        }
        if ($mask === 0 && $score === 0) {
            throw new \invalid_parameter_exception(
                'automatic completion needs completionstatusrequired or completionscorerequired');
        }
        return (object)['completion' => COMPLETION_TRACKING_AUTOMATIC,
            'completionstatusrequired' => $mask ?: null, 'completionscorerequired' => $score ?: null];
    }

    /**
     * The first file of the caller's draft area itemid.
     *
     * @param int $itemid
     * @return \stored_file
     */
    private static function draft_package(int $itemid): \stored_file {
        global $USER;
        $usercontext = \context_user::instance($USER->id);
        $files = get_file_storage()->get_area_files($usercontext->id, 'user', 'draft', $itemid,
            'id ASC', false);
        if (!$files) {
            throw new \moodle_exception('draftareaempty', 'local_lmsgw', '', $itemid);
        }
        return reset($files);
    }

    /**
     * Throws badpackage when the file is not a zip, nomanifest when mod_scorm
     * finds no package in it. Decided by what the file is, not by comparing
     * mod_scorm's (translated) message; the message goes along as detail.
     *
     * @param \stored_file $file
     */
    private static function check_package(\stored_file $file): void {
        if (!is_array($file->list_files(get_file_packer('application/zip')))) {
            throw new \moodle_exception('badpackage', 'local_lmsgw', '', $file->get_filename());
        }
        $errors = scorm_validate_package($file);
        if (!empty($errors['packagefile'])) {
            throw new \moodle_exception('nomanifest', 'local_lmsgw', '', $errors['packagefile']);
        }
    }

    /**
     * Switches the course's completion tracking on when the new activity tracks
     * completion: add_moduleinfo() stores an activity's completion settings only
     * when completion is enabled for the site and the course.
     *
     * @param \stdClass $course
     * @param \stdClass $completion from completion_settings()
     * @return \stdClass the course as it is now
     */
    private static function enable_course_completion(\stdClass $course, \stdClass $completion): \stdClass {
        global $DB;
        if ($completion->completion == COMPLETION_TRACKING_NONE) {
            return $course;
        }
        if (!\completion_info::is_enabled_for_site()) {
            throw new \moodle_exception('completiondisabled', 'local_lmsgw');
        }
        if (empty($course->enablecompletion)) {
            require_capability('moodle/course:update', \context_course::instance($course->id));
            update_course((object)['id' => $course->id, 'enablecompletion' => 1]);
            $course = $DB->get_record('course', ['id' => $course->id], '*', MUST_EXIST);
        }
        return $course;
    }

    /**
     * Adds the SCORM activity with mod_scorm's site defaults and the given
     * completion settings.
     *
     * @param \stdClass $module the modules record of scorm
     * @param \stdClass $course
     * @param int $draftitemid
     * @param string $name
     * @param \stdClass $completion from completion_settings()
     * @return array [cmid, instance]
     */
    private static function create(\stdClass $module, \stdClass $course, int $draftitemid,
            string $name, \stdClass $completion): array {
        $cfg = get_config('scorm');
        $moduleinfo = (object)[
            'modulename' => 'scorm',
            'module' => $module->id,
            'course' => $course->id,
            'section' => 0,
            'visible' => 1,
            'visibleoncoursepage' => 1,
            'name' => $name,
            'intro' => '',
            'introformat' => FORMAT_HTML,
            'cmidnumber' => self::IDNUMBER,
            'scormtype' => SCORM_TYPE_LOCAL,
            'packagefile' => $draftitemid,
            'updatefreq' => SCORM_UPDATE_NEVER,
            'popup' => $cfg->popup ?? 0,
            'width' => $cfg->framewidth ?? 100,
            'height' => $cfg->frameheight ?? 500,
            'skipview' => $cfg->skipview ?? 0,
            'hidebrowse' => $cfg->hidebrowse ?? 0,
            'displaycoursestructure' => $cfg->displaycoursestructure ?? 0,
            'hidetoc' => $cfg->hidetoc ?? 0,
            'nav' => $cfg->nav ?? 1,
            'navpositionleft' => $cfg->navpositionleft ?? -100,
            'navpositiontop' => $cfg->navpositiontop ?? -100,
            'displayattemptstatus' => $cfg->displayattemptstatus ?? 1,
            'maxgrade' => $cfg->maxgrade ?? 100,
            'grademethod' => $cfg->grademethod ?? GRADEHIGHEST,
            'maxattempt' => $cfg->maxattempt ?? 0,
            'whatgrade' => $cfg->whatgrade ?? HIGHESTATTEMPT,
            'forcenewattempt' => $cfg->forcenewattempt ?? 0,
            'lastattemptlock' => $cfg->lastattemptlock ?? 0,
            'forcecompleted' => $cfg->forcecompleted ?? 0,
            'masteryoverride' => $cfg->masteryoverride ?? 1,
            'auto' => $cfg->auto ?? 0,
            'autocommit' => $cfg->autocommit ?? 0,
            'displayactivityname' => $cfg->displayactivityname ?? 1,
            'completion' => $completion->completion,
            'completionview' => COMPLETION_VIEW_NOT_REQUIRED,
            'completionexpected' => 0,
            'completionstatusrequired' => $completion->completionstatusrequired,
            'completionscorerequired' => $completion->completionscorerequired,
            'completionstatusallscos' => 0,
        ];
        $moduleinfo = add_moduleinfo($moduleinfo, $course);
        return [$moduleinfo->coursemodule, $moduleinfo->instance];
    }

    /**
     * Replaces the package of the existing activity and renames it. Everything
     * else, completion settings included, stays as it is: get_moduleinfo_data()
     * reads the current settings, and without completionunlocked
     * update_moduleinfo() leaves the course module's completion alone.
     *
     * @param \stdClass $cmrecord the course_modules record
     * @param \stdClass $course
     * @param int $draftitemid
     * @param string $name
     * @return array [cmid, instance]
     */
    private static function update(\stdClass $cmrecord, \stdClass $course, int $draftitemid,
            string $name): array {
        $cm = get_coursemodule_from_id('scorm', $cmrecord->id, $course->id, false, MUST_EXIST);
        [$cm, $context, $module, $data, $cw] = get_moduleinfo_data($cm, $course);
        // The edit form splits the stored popup options into fields
        // (mod_scorm_mod_form::data_preprocessing); scorm_update_instance()
        // joins them again, so without this they would be reset.
        foreach (explode(',', (string)($data->options ?? '')) as $option) {
            $pair = explode('=', $option, 2);
            if (count($pair) === 2 && trim($pair[0]) !== '') {
                $data->{trim($pair[0])} = trim($pair[1]);
            }
        }
        // get_moduleinfo_data() formats gradepass for display (localised
        // decimal separator); leave the grade item's pass grade alone.
        unset($data->gradepass);
        unset($data->completionunlocked);
        $data->name = $name;
        $data->scormtype = SCORM_TYPE_LOCAL;
        $data->packagefile = $draftitemid;
        $data->cmidnumber = self::IDNUMBER;
        [$cm, $data] = update_moduleinfo($cm, $data, $course);
        return [$cm->id, $cm->instance];
    }

    /**
     * Return description.
     *
     * @return external_single_structure
     */
    public static function execute_returns(): external_single_structure {
        return new external_single_structure([
            'cmid' => new external_value(PARAM_INT, 'The course-module id'),
            'instance' => new external_value(PARAM_INT, 'The scorm instance id'),
            'revision' => new external_value(PARAM_INT, 'The package revision after the call'),
            'created' => new external_value(PARAM_BOOL, 'Whether the activity was created now'),
            'completion' => new external_value(PARAM_INT,
                'The activity\'s completion tracking: 0 none, 1 manual, 2 automatic'),
            'completionstatusrequired' => new external_value(PARAM_INT,
                'The SCORM status rule: a bitmask, passed 2, completed 4 (0: none)'),
            'completionscorerequired' => new external_value(PARAM_INT, 'The minimum score rule (0: none)'),
            'warnings' => new external_warnings(),
        ]);
    }
}
