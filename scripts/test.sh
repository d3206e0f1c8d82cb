#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to the whole test suite: installs
# what is missing, builds and runs every test twice, as a plain build and as
# an AddressSanitizer + UndefinedBehaviorSanitizer build. PostgreSQL tests run
# against a throwaway server the suite starts and stops itself.
#   scripts/test.sh            (GW_TEST_ONLY=plain|asan runs one of the two)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
jobs=$(nproc)
only=${GW_TEST_ONLY:-}
status=0
run_suite() {
    local dir=$1; shift
    echo "== $dir: configure and build"
    cmake -S . -B "$dir" "$@" >/dev/null
    cmake --build "$dir" -j"$jobs" >/dev/null
    echo "== $dir: ctest"
    (cd "$dir" && ctest -j"$jobs" --output-on-failure --timeout 900) || status=1
}
if [ -z "$only" ] || [ "$only" = plain ]; then
    run_suite build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
if [ -z "$only" ] || [ "$only" = asan ]; then
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DGW_SANITIZE=ON
fi
if [ $status -eq 0 ]; then echo "== all suites passed"; else echo "== some tests failed"; fi
exit $status
