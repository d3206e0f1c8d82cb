<?php
// Stand-in for Moodle's course/lib.php (see ../../run.php): the calls the plugin makes.
function update_course($data) {
    global $DB;
    $DB->update('course', $data);
}
function get_coursemodule_from_id($modname, $cmid, $courseid, $sectionnum, $strictness) {
    global $DB;
    return clone $DB->get_record('course_modules', ['id' => $cmid], '*', MUST_EXIST);
}
