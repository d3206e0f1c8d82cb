#!/usr/bin/env bash
# Fails when any tracked or new C source is not clang-formatted.
set -u
root=${1:-$(dirname "$0")/../..}
cd "$root" || exit 2
bad=0
checked=0
while IFS= read -r -d '' f; do
    checked=$((checked + 1))
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
        echo "not formatted: $f (run: clang-format -i $f)"
        bad=$((bad + 1))
    fi
done < <(find gateway include tests bench -type f \( -name '*.c' -o -name '*.h' \) -not -path '*/node_modules/*' -print0 2>/dev/null)
echo "format: $((checked - bad)) passed, $bad failed"
[ "$bad" -eq 0 ] && [ "$checked" -gt 0 ]
