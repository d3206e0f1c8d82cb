<?php
// This file is part of lmsgw's Moodle companion plugin.
//
// It is free software: you can redistribute it and/or modify it under the
// terms of the GNU General Public License as published by the Free Software
// Foundation, either version 3 of the License, or (at your option) any later
// version (as Moodle itself).

/**
 * Version information for local_lmsgw.
 *
 * @package    local_lmsgw
 * @license    http://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

defined('MOODLE_INTERNAL') || die();

$plugin->component = 'local_lmsgw';
$plugin->version   = 2026120700;
$plugin->requires  = 2023042400; // Moodle 4.2: the core_external namespace.
$plugin->supported = [402, 405];
$plugin->maturity  = MATURITY_BETA;
$plugin->release   = '0.2.0';
$plugin->dependencies = ['mod_scorm' => ANY_VERSION];
