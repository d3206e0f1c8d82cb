<?php
// Stand-in for Moodle's lib/gradelib.php.
class grade_item {
    public static function fetch_all($params) {
        return [];
    }
}
