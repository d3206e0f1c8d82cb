<?php
// This file is part of lmsgw's Moodle companion plugin.
//
// It is free software: you can redistribute it and/or modify it under the
// terms of the GNU General Public License as published by the Free Software
// Foundation, either version 3 of the License, or (at your option) any later
// version (as Moodle itself).

/**
 * Privacy provider: the plugin stores no personal data.
 *
 * @package    local_lmsgw
 * @license    http://www.gnu.org/copyleft/gpl.html GNU GPL v3 or later
 */

namespace local_lmsgw\privacy;

/**
 * Null provider.
 */
class provider implements \core_privacy\local\metadata\null_provider {
    /**
     * The language string that says why no data is stored.
     *
     * @return string
     */
    public static function get_reason(): string {
        return 'privacy:metadata';
    }
}
