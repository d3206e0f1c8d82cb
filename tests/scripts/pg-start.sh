#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the tests (a CTest fixture).
#   pg-start.sh STATE_DIR
# Installs Debian's postgresql when missing (as root), runs initdb in a new
# temporary directory, starts the server listening only on a Unix socket in
# that directory, and writes the base DSN to STATE_DIR/dsn. pg-stop.sh undoes it.
set -euo pipefail
state=${1:?usage: pg-start.sh STATE_DIR}
mkdir -p "$state"

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
bin=$(find_bin)
if [ -z "$bin" ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "pg-start: PostgreSQL is not installed and we are not root to install it" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
    bin=$(find_bin)
fi

dir=$(mktemp -d /tmp/lmsgw-pg.XXXXXX)
chmod 755 "$dir"
run=()
if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$dir"
    run=(runuser -u postgres --)
fi
"${run[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 1
}
# Tuned for tests: no fsync, a socket only, enough connections for parallel
# tests. GW_PG_DURABLE=1 (the benchmarks) keeps PostgreSQL's durable defaults.
durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
[ "${GW_PG_DURABLE:-0}" = 1 ] && durability=""
"${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
    -o "-c listen_addresses='' -c unix_socket_directories='$dir' $durability -c max_connections=200" >/dev/null || {
    cat "$dir/server.log" >&2
    exit 1
}
echo "$dir" >"$state/dir"
echo "$bin" >"$state/bin"
echo "postgresql://postgres@/postgres?host=$dir" >"$state/dsn"
echo "pg-start: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') running in $dir"
