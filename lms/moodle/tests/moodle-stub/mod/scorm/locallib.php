<?php
// Stand-in for mod/scorm/locallib.php.
require_once($CFG->dirroot . '/mod/scorm/lib.php');
define('SCORM_UPDATE_NEVER', '0');
define('GRADEHIGHEST', '1');
define('HIGHESTATTEMPT', '0');
function scorm_validate_package($file) {
    return $file->has_manifest ? [] : ['packagefile' => 'Incorrect file package - missing imsmanifest.xml'];
}
