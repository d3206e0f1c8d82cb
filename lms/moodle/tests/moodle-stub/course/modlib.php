<?php
// Stand-in for Moodle's course/modlib.php, as in Moodle 4.3: it loads course/lib.php
// only, and uses completion_info (lib/completionlib.php) and grade_item
// (lib/gradelib.php) without loading them: the caller must have.
require_once($CFG->dirroot . '/course/lib.php');
function add_moduleinfo($moduleinfo, $course) {
    global $DB;
    $completion = new completion_info($course);
    $cm = (object)['course' => $course->id, 'module' => $moduleinfo->module, 'idnumber' => $moduleinfo->cmidnumber,
        'deletioninprogress' => 0, 'completion' => 0];
    if ($completion->is_enabled()) {
        $cm->completion = $moduleinfo->completion;
    }
    $moduleinfo->coursemodule = $DB->insert('course_modules', $cm);
    $moduleinfo->instance = scorm_add_instance($moduleinfo);
    $DB->update('course_modules', (object)['id' => $moduleinfo->coursemodule, 'instance' => $moduleinfo->instance]);
    return $moduleinfo;
}
function get_moduleinfo_data($cm, $course) {
    global $DB;
    $data = clone $DB->get_record('scorm', ['id' => $cm->instance], '*', MUST_EXIST);
    $data->coursemodule = $cm->id;
    $data->instance = $cm->instance;
    $data->modulename = 'scorm';
    $data->completion = $cm->completion;
    grade_item::fetch_all(['itemtype' => 'mod', 'iteminstance' => $cm->instance]);
    $data->gradepass = '0,00';
    return [$cm, null, null, $data, null];
}
function update_moduleinfo($cm, $moduleinfo, $course) {
    global $DB;
    $completion = new completion_info($course);
    if ($completion->is_enabled() && !empty($moduleinfo->completionunlocked)) {
        $cm->completion = $moduleinfo->completion;
        $DB->update('course_modules', $cm);
    }
    if (isset($moduleinfo->gradepass) && !is_numeric($moduleinfo->gradepass)) {
        throw new dml_write_exception('gradepass is not a number: ' . $moduleinfo->gradepass);
    }
    scorm_update_instance($moduleinfo);
    return [$cm, $moduleinfo];
}
