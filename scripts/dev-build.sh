#!/usr/bin/env bash
# Developer build: configures (once) and builds DIR (default build), printing
# only the compiler's complaints; exits non-zero when the build fails.
set -uo pipefail
dir=${1:-build}
cd "$(dirname "$0")/.."
[ -f "$dir/CMakeCache.txt" ] || cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug >/dev/null
log=$(mktemp)
if cmake --build "$dir" -j2 >"$log" 2>&1; then
    grep -E "warning" "$log" | head -20
    rm -f "$log"
    exit 0
fi
grep -E "error|Error|warning" -A3 "$log" | head -40
rm -f "$log"
exit 1
