#!/bin/sh
# Installs tests/js/node_modules from the committed package-lock.json with
# `npm ci`, once: a stamp holding the lock file's hash skips the install when
# node_modules already matches, so the suite runs offline after the first
# install and does not re-download every run. --prefer-offline uses npm's
# cache when it holds the packages.
set -eu
dir=$(cd "$(dirname "$0")" && pwd)
stamp="$dir/node_modules/.lmsgw-lock-sha256"
want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -d "$dir/node_modules/@xapi/xapi" ] &&
    [ -f "$dir/node_modules/axe-core/axe.min.js" ]; then
    echo "node_modules is current ($want)"
    exit 0
fi
npm ci --prefix "$dir" --no-audit --no-fund --prefer-offline
echo "$want" > "$stamp"
echo "installed node_modules ($want)"
