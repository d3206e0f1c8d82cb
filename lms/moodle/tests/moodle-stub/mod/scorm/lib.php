<?php
// Stand-in for mod/scorm/lib.php: its status bits and the instance functions.
define('SCORM_TYPE_LOCAL', 'local');
function scorm_status_options($withstrings = false) {
    return [2 => 'passed', 4 => 'completed'];
}
function scorm_add_instance($scorm) {
    global $DB;
    $scorm->revision = 1;
    return $DB->insert('scorm', clone $scorm);
}
function scorm_update_instance($scorm) {
    global $DB;
    $scorm->id = $scorm->instance;
    $scorm->revision++;
    $DB->update('scorm', $scorm);
    return true;
}
