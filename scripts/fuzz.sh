#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into build-fuzz and fuzzes each one
# over a scratch copy of its seed corpus (new inputs never reach
# tests/fuzz/corpus). Crashes go to build-fuzz/crashes/<target>/. Prints one
# line per target (executions, seconds, exec/s, crashes; the log of a crashed
# run is build-fuzz/crashes/<target>.log) and exits 1 when any
# target crashed.
#   scripts/fuzz.sh [TARGET...]          all targets when none is named
#   GW_FUZZ_RUNS=100000 scripts/fuzz.sh  executions per target (default 10000000)
#   GW_FUZZ_ARGS="-max_total_time=60"    extra libFuzzer options
#   GW_FUZZ_JOBS=2                       build parallelism (default 2)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz
runs=${GW_FUZZ_RUNS:-10000000}
read -r -a extra <<<"${GW_FUZZ_ARGS:-}"
all=(zipwalk scorm_manifest cmi5 tincan http_inputs json_codec xapi_statement xapi_documents
     multipart alternate_syntax config review_token)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
for t in "${targets[@]}"; do
    [ -d "$root/tests/fuzz/corpus/$t" ] || { echo "fuzz: no target '$t' (known: ${all[*]})" >&2; exit 2; }
done

cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DGW_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"${GW_FUZZ_JOBS:-2}" --target "${targets[@]/#/fuzz_}" >/dev/null

scratch=$(mktemp -d "${TMPDIR:-/tmp}/lmsgw-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
failed=0
printf '%-18s %12s %9s %10s %8s\n' target executions seconds exec/s crashes
for t in "${targets[@]}"; do
    crashes=$build/crashes/$t
    mkdir -p "$crashes" "$scratch/$t"
    cp -R "$root/tests/fuzz/corpus/$t/." "$scratch/$t/"
    seeds=()
    if [ "$t" = zipwalk ] && [ -d "$root/../shared/corpus/packages" ]; then
        seeds=("$root/../shared/corpus/packages") # read only: libFuzzer writes to the first dir
    fi
    before=$(find "$crashes" -type f | wc -l)
    start=$(date +%s.%N)
    rc=0
    "$build/tests/fuzz/fuzz_$t" -runs="$runs" -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$crashes/" "${extra[@]}" "$scratch/$t" "${seeds[@]}" \
        >"$scratch/$t.log" 2>&1 || rc=$?
    end=$(date +%s.%N)
    after=$(find "$crashes" -type f | wc -l)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$t.log" | tail -1)
    new=$((after - before))
    if [ "$rc" -ne 0 ] && [ "$new" -eq 0 ]; then
        new=1 # died without an artifact (e.g. out of memory in the driver)
    fi
    secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
    rate=$(awk -v n="${execs:-0}" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
    printf '%-18s %12s %9s %10s %8s\n' "$t" "${execs:-?}" "$secs" "$rate" "$new"
    if [ "$new" -gt 0 ]; then
        failed=1
        cp "$scratch/$t.log" "$build/crashes/$t.log"
        grep -m3 -E 'ERROR|runtime error|SUMMARY' "$scratch/$t.log" | sed 's/^/    /' || true
    fi
done
exit "$failed"
