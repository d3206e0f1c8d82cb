#!/usr/bin/env bash
# Builds lmsgw and the benchmarks in Release (build-bench/), runs the package
# validation benchmark, then the xAPI statements benchmark on SQLite and on a
# throwaway PostgreSQL cluster
# (tests/scripts/pg-start.sh / pg-stop.sh). Extra arguments go to xapi_bench,
# e.g. bench/run.sh --statements 5000 --clients 32.
# Targets (reported, never asserted): SQLite >= 10,000 statements/s single
# posts, >= 50,000/s in batches of 100.
# GW_BENCH_SUSTAINED=N (e.g. 1000000) adds the sustained scenario (N
# statements in batches of 100 built as they are sent, the run ending when
# the index has caught up) on both backends, and the same on PostgreSQL with
# two lmsgw instances sharing the database (a fresh database each).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${GW_BENCH_BUILD:-$root/build-bench}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target lmsgw xapi_bench validate_bench writer_bench prepare_bench >/dev/null
bench=("$build/bench/xapi_bench" --lmsgw "$build/lmsgw")

echo "== Package validation"
"$build/bench/validate_bench"

echo "== SQLite"
"$build/bench/prepare_bench"
"$build/bench/writer_bench" 2>/dev/null
"$build/bench/writer_bench" --deferred --jobs 100 2>/dev/null
"${bench[@]}" "$@"

echo "== PostgreSQL"
state=$(mktemp -d /tmp/lmsgw-bench-pg.XXXXXX)
trap '"$root/tests/scripts/pg-stop.sh" "$state" >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
GW_PG_DURABLE=1 "$root/tests/scripts/pg-start.sh" "$state" # fsync on: commits are durable
base=$(cat "$state/dsn")
# PostgreSQL's CPU per statement too (the postmaster and its children)
pgpid=(--pg-pid "$(head -n 1 "$(cat "$state/dir")/data/postmaster.pid")")
# a database of its own on the throwaway server
sock=${base#*host=}
psql=("$(cat "$state/bin")/psql" -q -h "$sock" -U postgres -d postgres)
"${psql[@]}" -c "CREATE DATABASE xapi_bench" >/dev/null
"${bench[@]}" --pg "postgresql://postgres@/xapi_bench?host=$sock" "${pgpid[@]}" "$@"

sustained=${GW_BENCH_SUSTAINED:-0}
if [ "$sustained" -gt 0 ]; then
    echo "== Sustained: $sustained statements in batches of 100"
    "${bench[@]}" --batches 100 --sustained "$sustained"
    "${psql[@]}" -c "CREATE DATABASE xapi_sustained" >/dev/null
    "${bench[@]}" --batches 100 --sustained "$sustained" "${pgpid[@]}" \
        --pg "postgresql://postgres@/xapi_sustained?host=$sock"
    "${psql[@]}" -c "CREATE DATABASE xapi_two" >/dev/null
    "${bench[@]}" --batches 100 --sustained "$sustained" --instances 2 "${pgpid[@]}" \
        --pg "postgresql://postgres@/xapi_two?host=$sock"
fi
