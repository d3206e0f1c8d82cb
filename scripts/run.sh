#!/usr/bin/env bash
# One command from a fresh Debian 12 machine to a running gateway on its
# embedded default: installs what is missing, builds, migrates SQLite under
# ./data, creates an admin key, prints the URL and the key, and serves.
#   scripts/run.sh            (LMSGW_* variables configure it; see README)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh run
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGW_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
export LMSGW_DATA_DIR=${LMSGW_DATA_DIR:-$PWD/data}
export LMSGW_PORT=${LMSGW_PORT:-8080}
./build/lmsgw migrate
key=$(./build/lmsgw key create --role admin --name "admin (scripts/run.sh $(date -u +%FT%TZ))" --json)
token=$(printf '%s' "$key" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
cat <<MSG

  lmsgw is starting on http://127.0.0.1:${LMSGW_PORT}
  admin key (shown once):  ${token}
  try:  curl -H "Authorization: Bearer ${token}" http://127.0.0.1:${LMSGW_PORT}/api/v1
  data: ${LMSGW_DATA_DIR}   stop: Ctrl-C

MSG
exec ./build/lmsgw serve
