<?php
// This file is part of lmsgw's Moodle companion plugin.
//
// It is free software: you can redistribute it and/or modify it under the
// terms of the GNU General Public License as published by the Free Software
// Foundation, either version 3 of the License, or (at your option) any later
// version (as Moodle itself).

/**
 * Web-service functions and the pre-built "lmsgw" service.
 *
 * The service lists every function lmsgw calls, so an administrator only has
 * to authorise the lmsgw user and create a token for this service.
 *
 * @package    local_lmsgw
 * @license    http://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$functions = [
    'local_lmsgw_create_or_update_scorm' => [
        'classname'    => 'local_lmsgw\external\create_or_update_scorm',
        'methodname'   => 'execute',
        'description'  => 'Puts the SCORM package from a draft area into a course as its one '
                        . 'lmsgw-managed SCORM activity (idnumber "lmsgw:scorm"), creating it or '
                        . 'replacing its package. Idempotent: never adds a second activity. A new '
                        . 'activity gets automatic completion tracking (status passed or completed, '
                        . 'unless the parameters say otherwise); an update keeps its completion settings.',
        'type'         => 'write',
        'capabilities' => 'moodle/course:manageactivities, mod/scorm:addinstance, moodle/course:update',
    ],
];

$services = [
    'lmsgw course gateway' => [
        'shortname'       => 'lmsgw',
        'functions'       => [
            'core_course_create_courses',
            'core_course_get_courses_by_field',
            'core_course_update_courses',
            'core_webservice_get_site_info',
            'local_lmsgw_create_or_update_scorm',
        ],
        'restrictedusers' => 1,
        'enabled'         => 1,
        'uploadfiles'     => 1,
        'downloadfiles'   => 0,
    ],
];
