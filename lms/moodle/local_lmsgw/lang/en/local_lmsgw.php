<?php
// This file is part of lmsgw's Moodle companion plugin.
//
// It is free software: you can redistribute it and/or modify it under the
// terms of the GNU General Public License as published by the Free Software
// Foundation, either version 3 of the License, or (at your option) any later
// version (as Moodle itself).

/**
 * English strings for local_lmsgw.
 *
 * @package    local_lmsgw
 * @license    http://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$string['pluginname'] = 'lmsgw course gateway';
$string['privacy:metadata'] = 'The lmsgw plugin stores no personal data; it only adds SCORM activities to courses.';
$string['draftareaempty'] = 'The draft area {$a} holds no file.';
$string['badpackage'] = 'The specified package/manifest is not valid. Check it and try again. ({$a})';
$string['nomanifest'] = 'Incorrect file package - missing imsmanifest.xml or AICC structure ({$a})';
$string['notscorm'] = 'The lmsgw-managed activity of this course is not a SCORM activity.';
$string['completiondisabled'] = 'Completion tracking is disabled for this site, so the SCORM activity cannot track completion. Enable it (Site administration > General > Advanced features > Enable completion tracking), or set the lmsgw target\'s completion tracking to "none".';
$string['locktimeout'] = 'Another lmsgw publish of course {$a} is still running; try again later.';
