#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running gateway on its
# embedded default: installs what is missing, builds, migrates SQLite under
# ./data, writes the demo data into a new database (lmsgw demo-data: every
# stage of the pipeline, back-dated; skipped when the database holds data of
# its own), creates an admin key, starts the local LMS simulator (lmssim, the
# default LMS endpoint), uploads the sample course packages once the gateway is
# ready, prints the URL and the key, and serves until Ctrl-C. Approved courses
# are published to lmssim's SCORM Cloud API through $LMSGW_DATA_DIR/lms-targets.json
# (written on the first run; edit it to point at a real LMS).
#   scripts/run.sh            (LMSGW_* variables configure it; see README)
#   DEMO_DATA=0 scripts/run.sh   a new database stays empty
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh run
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGW_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
export LMSGW_DATA_DIR=${LMSGW_DATA_DIR:-$PWD/data}
export LMSGW_PORT=${LMSGW_PORT:-8080}
lms_port=${LMSSIM_PORT:-8090}
mkdir -p "$LMSGW_DATA_DIR"
# Publish on approval: the LMS targets file (schemas/lms-targets.schema.json).
targets="$LMSGW_DATA_DIR/lms-targets.json"
if [ ! -e "$targets" ]; then
    cat >"$targets" <<JSON
{
  "default": "lmssim",
  "targets": {
    "lmssim": {
      "type": "scormcloud",
      "base_url": "http://127.0.0.1:${lms_port}/api/v2",
      "app_id": "lmssim-app",
      "secret": "lmssim-secret",
      "import_poll_interval_ms": 500
    }
  }
}
JSON
    chmod 600 "$targets"
fi
export LMSGW_LMS_TARGETS_FILE=${LMSGW_LMS_TARGETS_FILE:-$targets}
./build/lmsgw migrate
# Demo data, into a new database only: lmsgw refuses one with data of its own
# (DEMO_REFUSED) and says so when the demo data is there already.
if [ "${DEMO_DATA:-1}" != 0 ]; then
    if demo=$(./build/lmsgw demo-data 2>&1); then
        echo "$demo"
    elif printf '%s' "$demo" | grep -q 'DEMO_REFUSED'; then
        echo "no demo data: this database holds data of its own (start with an empty LMSGW_DATA_DIR for the demo)"
    else
        echo "$demo" >&2
        exit 1
    fi
fi
key=$(./build/lmsgw key create --role admin --name "admin (scripts/run.sh $(date -u +%FT%TZ))" --json)
token=$(printf '%s' "$key" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')

# The local LMS: SCORM Cloud and Moodle APIs, state kept across runs.
./build/tests/lmssim/lmssim --port "$lms_port" --state-file "$LMSGW_DATA_DIR/lmssim.json" \
    >"$LMSGW_DATA_DIR/lmssim.log" 2>&1 &
lms_pid=$!
trap 'kill $lms_pid 2>/dev/null' EXIT
# it answers within seconds, or the demo has no LMS: say why and stop
for _ in $(seq 1 50); do
    curl -s -o /dev/null "http://127.0.0.1:${lms_port}/" && break
    kill -0 "$lms_pid" 2>/dev/null || break
    sleep 0.1
done
if ! curl -s -o /dev/null "http://127.0.0.1:${lms_port}/"; then
    echo "the local LMS (lmssim) did not start on port ${lms_port}; its log:" >&2
    cat "$LMSGW_DATA_DIR/lmssim.log" >&2
    exit 1
fi

# Once the gateway answers, upload the sample packages (validated on upload).
(
    for _ in $(seq 1 100); do
        curl -fsS "http://127.0.0.1:${LMSGW_PORT}/readyz" >/dev/null 2>&1 && break
        sleep 0.1
    done
    for zip in build/packages/*.zip; do
        # (the reply has no newline of its own: one is added, so each sample gets its line)
        { curl -fsS -H "Authorization: Bearer ${token}" -H "Content-Type: application/zip" \
            -H "X-Filename: $(basename "$zip")" --data-binary @"$zip" \
            "http://127.0.0.1:${LMSGW_PORT}/api/v1/packages"; echo; } |
            sed -n 's/^{"id":"\([^"]*\)".*"valid":\([a-z]*\).*/  sample package '"$(basename "$zip")"': \/api\/v1\/packages\/\1 (valid: \2)/p'
    done
) &

cat <<MSG

  lmsgw is starting on http://127.0.0.1:${LMSGW_PORT}
  the web app:  open http://127.0.0.1:${LMSGW_PORT}/ and sign in with a person's e-mail address,
                e.g. hannah.becker@example.org (the demo's training manager: admin). Without
                smtp_url no mail leaves: the sign-in link appears below, in the line
                "notice (smtp_url not set: logged)".
  course previews (the content origin): http://127.0.0.1:$((LMSGW_PORT + 1))
  admin key (shown once):  ${token}
  try:  curl -H "Authorization: Bearer ${token}" http://127.0.0.1:${LMSGW_PORT}/api/v1
  local LMS (lmssim):      http://127.0.0.1:${lms_port}  (SCORM Cloud API under /api/v2, Moodle web services)
  approved courses publish to: ${LMSGW_LMS_TARGETS_FILE}  (see GET /api/v1/courses/{id}/publish)
  data: ${LMSGW_DATA_DIR}   stop: Ctrl-C

MSG
./build/lmsgw serve
