<?php
// Stand-in for Moodle's lib/completionlib.php.
define('COMPLETION_TRACKING_NONE', 0);
define('COMPLETION_TRACKING_MANUAL', 1);
define('COMPLETION_TRACKING_AUTOMATIC', 2);
define('COMPLETION_VIEW_NOT_REQUIRED', 0);
class completion_info {
    private $course;
    public function __construct($course) {
        $this->course = $course;
    }
    public static function is_enabled_for_site() {
        global $CFG;
        return !empty($CFG->enablecompletion);
    }
    public function is_enabled() {
        return self::is_enabled_for_site() && !empty($this->course->enablecompletion);
    }
}
