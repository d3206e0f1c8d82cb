#!/usr/bin/env bash
# Builds the dashboard into OUT (default build/web): the page's own files, and
# Chart.js from npm (installed into web/node_modules by 'npm ci' when the lock
# file changed). Without npm the page still works, with tables only.
# Also the course player of the review page's preview (OUT/player): its own
# files (web/player/) and the SCORM run-time API, scorm-again, from npm. And
# the web app (OUT/app, served at / and /app/{file}): web/app/ as it is, ES
# modules with no build step.
#   scripts/build-web.sh [OUT]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/web}
mkdir -p "$out/vendor" "$out/player" "$out/app"
cp "$root"/web/index.html "$root"/web/app.js "$root"/web/style.css "$out/"
rm -f "$out"/app/*
cp "$root"/web/app/*.html "$root"/web/app/*.js "$root"/web/app/*.css "$out/app/"
lib=$root/web/node_modules/chart.js/dist/chart.umd.js
stamp=$root/web/node_modules/.lock-hash
want=$(sha256sum "$root/web/package-lock.json" | cut -d' ' -f1)
if command -v npm >/dev/null 2>&1; then
    if [ ! -f "$lib" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        (cd "$root/web" && npm ci --no-audit --no-fund --prefer-offline >/dev/null 2>&1) &&
            echo "$want" >"$stamp" || echo "build-web: npm ci failed; the dashboard will have no chart" >&2
    fi
fi
if [ -f "$lib" ]; then
    cp "$lib" "$out/vendor/chart.umd.js"
else
    echo "/* Chart.js not installed: tables only */" >"$out/vendor/chart.umd.js"
fi

cp "$root"/web/player/player.js "$root"/web/player/player.css "$out/player/"
sa=$root/web/node_modules/scorm-again/dist
for f in scorm12.min.js scorm2004.min.js; do
    if [ -f "$sa/$f" ]; then
        cp "$sa/$f" "$out/player/$f"
    else
        echo "build-web: scorm-again is not installed; SCORM courses will not find their API in the preview" >&2
        echo "/* scorm-again not installed */" >"$out/player/$f"
    fi
done
