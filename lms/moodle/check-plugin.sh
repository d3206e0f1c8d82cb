#!/usr/bin/env bash
# Checks the Moodle companion plugin without a Moodle: `php -l` over every PHP
# file of local_lmsgw; every error code the plugin throws in its own component
# (moodle_exception('code', 'local_lmsgw')) has its string in
# lang/en/local_lmsgw.php (Moodle would show "[[code]]" instead of a message);
# and tests/run.php, the web-service function against a stand-in of Moodle 4.3
# (create, update, completion, errors, transaction and lock).
# Usage: lms/moodle/check-plugin.sh [plugin dir]. Exit 77 (CTest: skipped)
# when php is not installed; scripts/deps.sh test installs php-cli.
set -u
dir=${1:-$(dirname "$0")/local_lmsgw}
if ! command -v php >/dev/null 2>&1; then
    echo "php is not installed (scripts/deps.sh test installs php-cli): skipped"
    echo "0 passed, 0 failed"
    exit 77
fi
passed=0
failed=0
while IFS= read -r f; do
    if out=$(php -l "$f" 2>&1); then
        passed=$((passed + 1))
    else
        echo "FAIL php -l $f: $out"
        failed=$((failed + 1))
    fi
done < <(find "$dir" -name '*.php' | sort)
lang="$dir/lang/en/local_lmsgw.php"
codes=$(grep -rhoE "moodle_exception\('[a-z0-9_]+', 'local_lmsgw'" "$dir/classes" |
    sed -E "s/.*\('([a-z0-9_]+)'.*/\1/" | sort -u)
for c in $codes; do
    if grep -q "^\$string\['$c'\]" "$lang"; then
        passed=$((passed + 1))
    else
        echo "FAIL error code $c has no string in $lang"
        failed=$((failed + 1))
    fi
done
here=$(cd "$(dirname "$0")" && pwd)
run=$(php "$here/tests/run.php" "$dir" 2>&1)
echo "$run" | grep -v ' passed, .* failed$'
if [[ $(echo "$run" | tail -n 1) =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1]))
    failed=$((failed + BASH_REMATCH[2]))
else
    echo "FAIL tests/run.php did not finish"
    failed=$((failed + 1))
fi
if [ "$passed" -eq 0 ]; then
    echo "FAIL no PHP files under $dir"
    failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
