#!/usr/bin/env bash
# Builds the web app into OUT (default build/web): OUT/app, served at / and
# /app/{file}: web/app/ as it is (ES modules with no build step) and Chart.js
# from npm for the department page's charts (installed into web/node_modules
# by 'npm ci' when the lock file changed; without npm the page still works,
# with tables only). Also the course player of the review page's preview
# (OUT/player): its own files (web/player/) and the SCORM run-time API,
# scorm-again, from npm. OUT/app/index.html is the build's stamp.
#   scripts/build-web.sh [OUT]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/web}
mkdir -p "$out/player" "$out/app"
rm -rf "$out/vendor" "$out/index.html" "$out/app.js" "$out/style.css" # the old dashboard's
rm -f "$out"/app/*
cp "$root"/web/app/*.html "$root"/web/app/*.js "$root"/web/app/*.css "$out/app/"
lib=$root/web/node_modules/chart.js/dist/chart.umd.js
stamp=$root/web/node_modules/.lock-hash
want=$(sha256sum "$root/web/package-lock.json" | cut -d' ' -f1)
if command -v npm >/dev/null 2>&1; then
    if [ ! -f "$lib" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        (cd "$root/web" && npm ci --no-audit --no-fund --prefer-offline >/dev/null 2>&1) &&
            echo "$want" >"$stamp" || echo "build-web: npm ci failed; the department page will have no chart" >&2
    fi
fi
if [ -f "$lib" ]; then
    cp "$lib" "$out/app/chart.umd.js"
else
    echo "/* Chart.js not installed: tables only */" >"$out/app/chart.umd.js"
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
