#!/usr/bin/env bash
# Several gateways on one PostgreSQL, on this machine: a local PostgreSQL (a
# throwaway cluster in the state directory), the LMS simulator, two lmsgw
# instances (each with its own data_dir: nothing shared but the database)
# and HAProxy from Debian in front of both, for the gateway's API and for the
# content origin. For a demo, and for tests that kill an instance under load
# (tests/cluster).
#   scripts/cluster.sh                  build, start in ./cluster, print the URLs, stop on Ctrl-C
#   scripts/cluster.sh start DIR        start in DIR and return (DIR/env says where things are)
#   scripts/cluster.sh stop DIR         stop everything started in DIR
#   scripts/cluster.sh kill DIR a|b     SIGKILL one instance (HAProxy takes it out of rotation)
#   scripts/cluster.sh restart DIR a|b  start that instance again on its port
# GW_LMSGW_BIN and GW_LMSSIM_BIN name the binaries (default: build/, built when
# missing); GW_PG_DURABLE=0 runs PostgreSQL without fsync (tests).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:-demo}

taken_ports=" "
free_port() { # sets $port: one nobody listens on and not picked before, from a range the kernel does not hand out
    local p
    for _ in $(seq 1 200); do
        p=$((20000 + RANDOM % 12000))
        case "$taken_ports" in *" $p "*) continue ;; esac
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            taken_ports="$taken_ports$p "
            port=$p
            return
        fi
    done
    echo "cluster: no free port found" >&2
    exit 1
}

wait_ready() { # url pid what
    for _ in $(seq 1 200); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        kill -0 "$2" 2>/dev/null || break
        sleep 0.05
    done
    echo "cluster: $3 did not start; its log:" >&2
    cat "$4" >&2 || true
    return 1
}

start_instance() { # DIR name
    local dir=$1 n=$2
    # shellcheck disable=SC1091
    . "$dir/env"
    local port_var=PORT_${n^^} content_var=CONTENT_PORT_${n^^}
    mkdir -p "$dir/$n"
    LMSGW_DATA_DIR="$dir/$n/data" LMSGW_PORT=${!port_var} LMSGW_CONTENT_PORT=${!content_var} \
        "$GW_LMSGW_BIN" --config "$dir/gateway.json" serve >"$dir/$n/stdout.log" 2>>"$dir/$n/stderr.log" &
    local pid=$!
    echo "$pid" >"$dir/$n/pid"
    wait_ready "http://127.0.0.1:${!port_var}/readyz" "$pid" "lmsgw instance $n" "$dir/$n/stderr.log"
    # started again behind a running HAProxy: back once HAProxy sends it requests
    if [ -f "$dir/haproxy.pid" ] && [ -n "${STATS_URL:-}" ]; then
        for _ in $(seq 1 100); do
            curl -fsS "$STATS_URL;csv" 2>/dev/null | grep -q "^gateways,$n,.*,UP," && return 0
            sleep 0.05
        done
        echo "cluster: HAProxy did not take instance $n back" >&2
        return 1
    fi
}

start() {
    local dir=$1
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    : "${GW_LMSGW_BIN:=$root/build/lmsgw}"
    : "${GW_LMSSIM_BIN:=$root/build/tests/lmssim/lmssim}"
    command -v haproxy >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
    command -v haproxy >/dev/null 2>&1 || { echo "cluster: haproxy is not installed (scripts/deps.sh cluster)" >&2; exit 1; }
    GW_PG_DURABLE=${GW_PG_DURABLE:-1} "$root/tests/scripts/pg-start.sh" "$dir/pg" >/dev/null
    local dsn
    dsn=$(cat "$dir/pg/dsn")
    local lb lbc lms a b ac bc st
    # not in $(...): a subshell would forget the ports picked before
    local port
    free_port; lb=$port; free_port; lbc=$port; free_port; lms=$port; free_port; st=$port
    free_port; a=$port; free_port; b=$port; free_port; ac=$port; free_port; bc=$port
    cat >"$dir/env" <<ENV
GW_LMSGW_BIN=$GW_LMSGW_BIN
GW_LMSSIM_BIN=$GW_LMSSIM_BIN
DSN=$dsn
LB_URL=http://127.0.0.1:$lb
CONTENT_URL=http://127.0.0.1:$lbc
LMSSIM_URL=http://127.0.0.1:$lms
STATS_URL=http://127.0.0.1:$st/stats
PORT_A=$a
PORT_B=$b
CONTENT_PORT_A=$ac
CONTENT_PORT_B=$bc
ENV
    "$GW_LMSSIM_BIN" --port "$lms" >"$dir/lmssim.log" 2>&1 &
    echo $! >"$dir/lmssim.pid"
    wait_ready "http://127.0.0.1:$lms/_sim/state" "$(cat "$dir/lmssim.pid")" lmssim "$dir/lmssim.log"
    cat >"$dir/lms-targets.json" <<JSON
{"default": "lmssim", "lease_ms": 5000,
 "targets": {"lmssim": {"type": "scormcloud", "base_url": "http://127.0.0.1:$lms/api/v2",
   "app_id": "lmssim-app", "secret": "lmssim-secret", "import_poll_interval_ms": 200}}}
JSON
    # one configuration for both: the same database, links through the balancer
    cat >"$dir/gateway.json" <<JSON
{"database": "$dsn", "public_url": "http://127.0.0.1:$lb", "content_url": "http://127.0.0.1:$lbc",
 "lms_targets_file": "$dir/lms-targets.json", "listen_address": "127.0.0.1"}
JSON
    LMSGW_DATA_DIR="$dir/a/data" "$GW_LMSGW_BIN" --config "$dir/gateway.json" migrate >"$dir/migrate.log" 2>&1
    local key
    key=$(LMSGW_DATA_DIR="$dir/a/data" "$GW_LMSGW_BIN" --config "$dir/gateway.json" key create \
        --role admin --name "admin (scripts/cluster.sh)" --json)
    echo "ADMIN_TOKEN=$(printf '%s' "$key" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')" >>"$dir/env"
    start_instance "$dir" a
    start_instance "$dir" b
    # HAProxy: round robin over the instances that answer /readyz; a request
    # that cannot reach one (connection refused) goes to the other. One that
    # reached an instance that then died is not replayed (it may have been
    # done): the client gets 502 and sends it again, as LMSs resend.
    cat >"$dir/haproxy.cfg" <<CFG
global
    maxconn 4096
    log stderr format short local0 info
defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    retries 3
    option redispatch 1
    retry-on conn-failure
frontend gateway
    bind 127.0.0.1:$lb
    default_backend gateways
frontend content
    bind 127.0.0.1:$lbc
    default_backend contents
frontend stats
    bind 127.0.0.1:$st
    stats enable
    stats uri /stats
backend gateways
    balance roundrobin
    option httpchk GET /readyz
    server a 127.0.0.1:$a check inter 500 fall 2 rise 2
    server b 127.0.0.1:$b check inter 500 fall 2 rise 2
backend contents
    balance roundrobin
    server a 127.0.0.1:$ac check inter 500 fall 2 rise 2
    server b 127.0.0.1:$bc check inter 500 fall 2 rise 2
CFG
    haproxy -f "$dir/haproxy.cfg" -db >"$dir/haproxy.log" 2>&1 &
    echo $! >"$dir/haproxy.pid"
    wait_ready "http://127.0.0.1:$lb/readyz" "$(cat "$dir/haproxy.pid")" haproxy "$dir/haproxy.log"
}

stop() {
    local dir=$1
    for f in "$dir/haproxy.pid" "$dir/a/pid" "$dir/b/pid" "$dir/lmssim.pid"; do
        [ -f "$f" ] || continue
        kill "$(cat "$f")" 2>/dev/null || true
    done
    for f in "$dir/haproxy.pid" "$dir/a/pid" "$dir/b/pid" "$dir/lmssim.pid"; do
        [ -f "$f" ] || continue
        for _ in $(seq 1 100); do kill -0 "$(cat "$f")" 2>/dev/null || break; sleep 0.05; done
        kill -9 "$(cat "$f")" 2>/dev/null || true
        rm -f "$f"
    done
    "$root/tests/scripts/pg-stop.sh" "$dir/pg" >/dev/null
}

case "$cmd" in
start) start "${2:?usage: cluster.sh start DIR}" ;;
stop) stop "${2:?usage: cluster.sh stop DIR}" ;;
kill)
    dir=${2:?usage: cluster.sh kill DIR a|b}
    n=${3:?a or b}
    pid=$(cat "$dir/$n/pid")
    port_var=PORT_${n^^}
    # shellcheck disable=SC1091
    . "$dir/env"
    kill -9 "$pid"
    # back once it is gone and its port refuses connections, so what comes
    # next goes to the other instance; a zombie nobody reaps counts as gone
    for _ in $(seq 1 500); do
        state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo gone)
        if [ "$state" = gone ] || [ "$state" = Z ]; then
            (exec 3<>"/dev/tcp/127.0.0.1/${!port_var}") 2>/dev/null || break
        fi
        sleep 0.02
    done
    ;;
restart) start_instance "$(cd "${2:?}" && pwd)" "${3:?a or b}" ;;
demo)
    "$root/scripts/deps.sh" cluster
    cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$root/build" -j"$(nproc)" --target lmsgw lmssim >/dev/null
    dir=$root/cluster
    [ ! -e "$dir/env" ] || stop "$dir"
    start "$dir"
    trap 'stop "$dir"; echo "cluster stopped"' EXIT
    # shellcheck disable=SC1091
    . "$dir/env"
    cat <<MSG

  two lmsgw instances on one PostgreSQL, behind HAProxy:
  the gateway:      $LB_URL   (instances on ports $PORT_A and $PORT_B)
  course previews:  $CONTENT_URL
  the local LMS:    $LMSSIM_URL
  admin key:        $ADMIN_TOKEN
  try:  curl -H "Authorization: Bearer $ADMIN_TOKEN" $LB_URL/api/v1
  kill one:  scripts/cluster.sh kill $dir a     start it again:  scripts/cluster.sh restart $dir a
  HAProxy's view: $STATS_URL   logs: $dir/{a,b}/stderr.log, $dir/haproxy.log   stop: Ctrl-C

MSG
    while sleep 3600; do :; done
    ;;
*)
    sed -n '2,15p' "$0" >&2
    exit 2
    ;;
esac
