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
 *   local_lmsgw_create_or_update_scorm(courseid: int, draftitemid: int, name: string)
 * puts the SCORM package found in the calling user's draft area draftitemid (its
 * first file, uploaded with /webservice/upload.php) into course courseid as a
 * SCORM activity named name, in section 0. The plugin manages at most one such
 * activity per course, recognised by its course-module idnumber "lmsgw:scorm":
 * when it exists its package is replaced (mod_scorm raises the revision) and it
 * is renamed; otherwise it is created. Calling it again with the same arguments
 * therefore never adds a second activity.
 * Returns {"cmid", "instance", "revision", "created", "warnings"}.
 * Errors: invalidparameter, invalidrecord (no such course), draftareaempty,
 * badpackage (not a zip), nomanifest (no imsmanifest.xml at the root).
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
        ]);
    }

    /**
     * Creates the activity, or replaces its package when it exists.
     *
     * @param int $courseid
     * @param int $draftitemid
     * @param string $name
     * @return array
     */
    public static function execute(int $courseid, int $draftitemid, string $name): array {
        global $CFG, $DB;
        require_once($CFG->dirroot . '/course/lib.php');
        require_once($CFG->dirroot . '/course/modlib.php');
        require_once($CFG->dirroot . '/mod/scorm/lib.php');
        require_once($CFG->dirroot . '/mod/scorm/locallib.php');

        $params = self::validate_parameters(self::execute_parameters(), [
            'courseid' => $courseid,
            'draftitemid' => $draftitemid,
            'name' => $name,
        ]);
        $name = trim($params['name']);
        if ($name === '') {
            throw new \invalid_parameter_exception('name must not be empty');
        }

        // Throws dml_missing_record_exception (errorcode invalidrecord) when absent.
        $course = $DB->get_record('course', ['id' => $params['courseid']], '*', MUST_EXIST);
        $context = \context_course::instance($course->id);
        self::validate_context($context);
        require_capability('moodle/course:manageactivities', $context);
        require_capability('mod/scorm:addinstance', $context);

        $file = self::draft_package($params['draftitemid']);
        $errors = scorm_validate_package($file);
        if (!empty($errors['packagefile'])) {
            $code = $errors['packagefile'] === get_string('badarchive', 'scorm') ? 'badpackage' : 'nomanifest';
            throw new \moodle_exception($code, 'local_lmsgw', '', $errors['packagefile']);
        }

        $module = $DB->get_record('modules', ['name' => 'scorm'], '*', MUST_EXIST);
        $existing = $DB->get_record('course_modules',
            ['course' => $course->id, 'module' => $module->id, 'idnumber' => self::IDNUMBER]);

        $transaction = $DB->start_delegated_transaction();
        if ($existing) {
            $created = false;
            [$cmid, $instance] = self::update($existing, $course, $params['draftitemid'], $name);
        } else {
            $created = true;
            [$cmid, $instance] = self::create($module, $course, $params['draftitemid'], $name);
        }
        $transaction->allow_commit();

        $revision = (int)$DB->get_field('scorm', 'revision', ['id' => $instance], MUST_EXIST);
        return [
            'cmid' => (int)$cmid,
            'instance' => (int)$instance,
            'revision' => $revision,
            'created' => $created,
            'warnings' => [],
        ];
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
     * Adds the SCORM activity with mod_scorm's site defaults.
     *
     * @param \stdClass $module the modules record of scorm
     * @param \stdClass $course
     * @param int $draftitemid
     * @param string $name
     * @return array [cmid, instance]
     */
    private static function create(\stdClass $module, \stdClass $course, int $draftitemid,
            string $name): array {
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
            'completion' => 0, // COMPLETION_TRACKING_NONE.
        ];
        $moduleinfo = add_moduleinfo($moduleinfo, $course);
        return [$moduleinfo->coursemodule, $moduleinfo->instance];
    }

    /**
     * Replaces the package of the existing activity and renames it.
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
            'warnings' => new external_warnings(),
        ]);
    }
}
