<?php
// Stand-in for Moodle's lib/filelib.php.
