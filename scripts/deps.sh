#!/usr/bin/env bash
# Installs the Debian 12 packages lmsgw needs to build, run and test, when any
# is missing. Usage: scripts/deps.sh [run|test|cluster]   (test adds the test
# tools; cluster adds PostgreSQL and HAProxy for scripts/cluster.sh)
set -euo pipefail
what=${1:-run}
pkgs=(build-essential cmake pkg-config git ca-certificates
      libmicrohttpd-dev libjansson-dev libxml2-dev libzip-dev libcurl4-openssl-dev
      libsqlite3-dev libpq-dev libssl-dev curl)
if [ "$what" = test ]; then
    pkgs+=(clang-format postgresql postgresql-client zip unzip chromium php-cli sqlite3 haproxy)
elif [ "$what" = cluster ]; then
    pkgs+=(postgresql postgresql-client haproxy)
fi
# Node.js and npm for the xAPI client test and the web app's front-end
# libraries: Debian's packages only when no node is installed at all.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    pkgs+=(nodejs npm)
fi
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "deps: installing ${missing[*]}"
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's postgresql package may start its own cluster; the tests use a
# throwaway one of their own, so that one is not needed.
