#!/usr/bin/env bash
# Stops and deletes the cluster pg-start.sh made.   pg-stop.sh STATE_DIR
set -uo pipefail
state=${1:?usage: pg-stop.sh STATE_DIR}
[ -f "$state/dir" ] || exit 0
dir=$(cat "$state/dir")
bin=$(cat "$state/bin")
run=()
[ "$(id -u)" -eq 0 ] && run=(runuser -u postgres --)
"${run[@]}" "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
rm -rf "$dir" "$state/dir" "$state/bin" "$state/dsn"
echo "pg-stop: stopped and removed $dir"
