#!/usr/bin/env bash
# Runs the real server under ThreadSanitizer with load, and fails if TSan
# reports anything. Builds with -DGW_TSAN=ON in build-tsan/, then:
#   1. xapi_bench against the TSan lmsgw on SQLite: single posts and batches
#      of 10 and 100 from 64 keep-alive connections (HTTP workers, the group
#      commit writer, the deferred index, the auth cache, metrics);
#   2. the same on a throwaway PostgreSQL cluster;
#   3. the HTTP-level tests (reviews with the scheduler and mail, the launch
#      announcement the outbox wakes the scheduler for, the publish
#      outbox against lmssim, KPIs, the LRS and its documents, limits), whose
#      lmsgw is the TSan binary.
# Every TSan report goes to a file under the report directory; the script
# prints how many there are and exits 1 if any.
#   scripts/tsan.sh [STATEMENTS]   (default 20000 per scenario)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${GW_TSAN_BUILD:-$root/build-tsan}
n=${1:-20000}
scripts_dep=("$root/scripts/deps.sh" test)
"${scripts_dep[@]}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGW_TSAN=ON >/dev/null
cmake --build "$build" -j"$(nproc)" >/dev/null

reports=$(mktemp -d /tmp/lmsgw-tsan.XXXXXX)
# the kernel may randomise the address space more than this TSan expects
if [ "$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 0)" -gt 28 ]; then
    sysctl -qw vm.mmap_rnd_bits=28 2>/dev/null || true
fi
export TSAN_OPTIONS="log_path=$reports/tsan second_deadlock_stack=1 halt_on_error=0 ${TSAN_OPTIONS:-}"
bench=("$build/bench/xapi_bench" --lmsgw "$build/lmsgw" --statements "$n" --batches 1,10,100)

echo "== TSan: SQLite under load ($n statements per scenario)"
"${bench[@]}"

echo "== TSan: PostgreSQL under load"
state=$(mktemp -d /tmp/lmsgw-tsan-pg.XXXXXX)
trap '"$root/tests/scripts/pg-stop.sh" "$state" >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
"$root/tests/scripts/pg-start.sh" "$state"
sock=$(cat "$state/dsn")
sock=${sock#*host=}
"$(cat "$state/bin")/psql" -q -h "$sock" -U postgres -d postgres -c "CREATE DATABASE tsan_bench" >/dev/null
"${bench[@]}" --pg "postgresql://postgres@/tsan_bench?host=$sock"

echo "== TSan: HTTP-level tests"
status=0
(cd "$build" && ctest -j"$(nproc)" --timeout 900 \
    -R 'pg_start|pg_stop|test_http|test_lrs|test_review_http|test_review_wire|test_publish_http|test_announce_http|test_kpi_http|test_notices_e2e|test_preview|test_session_http' \
    --output-on-failure) || status=1

count=$(find "$reports" -type f | wc -l)
warnings=$(cat "$reports"/* 2>/dev/null | grep -c '^WARNING: ThreadSanitizer' || true)
echo "== TSan: $warnings reports in $count files (in $reports)"
if [ "$count" -gt 0 ]; then
    grep -h -A12 '^WARNING: ThreadSanitizer' "$reports"/* | head -80
    exit 1
fi
exit $status
