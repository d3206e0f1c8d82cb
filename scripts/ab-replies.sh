#!/usr/bin/env bash
# A refactoring check: seeds one database with `demo-data` (every pipeline
# stage) using the OLD binary, serves it with OLD and then NEW, fetches the
# pipeline, every course, round and request, and the audit log (JSON and
# CSV) from each, and compares the replies byte for byte. Exits 1 on any
# difference.
#   scripts/ab-replies.sh OLD_LMSGW NEW_LMSGW   (packages from NEW's build dir)
set -euo pipefail
old=$1 new=$2
w=$(mktemp -d /tmp/lmsgw-ab.XXXXXX)
trap 'rm -rf "$w"' EXIT
mkdir -p $w/data
export LMSGW_DATA_DIR=$w/data LMSGW_ACCESS_LOG=false
$old migrate >/dev/null 2>&1
$old demo-data --packages "$(dirname "$new")/packages" >/dev/null 2>&1
tok=$($old key create --role admin --name ab --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
fetch() { # bin outdir
  LMSGW_PORT=18411 LMSGW_CONTENT_PORT=18412 $1 serve >$w/serve.log 2>&1 & pid=$!
  for i in $(seq 50); do curl -sf localhost:18411/healthz >/dev/null && break; sleep 0.2; done
  mkdir -p $2
  H="Authorization: Bearer $tok"
  curl -s -H "$H" localhost:18411/api/v1/pipeline > $2/pipeline.json
  python3 - "$2" <<'PY'
import json,sys,subprocess
d=sys.argv[1]
p=json.load(open(d+'/pipeline.json'))
ids=[(c['id'],c.get('request_id')) for c in p['courses']]+[(None,r.get('request_id') or r['id']) for r in p['requests']]
open(d+'/ids','w').write('\n'.join(f"{a or '-'} {b or '-'}" for a,b in ids))
PY
  while read c r; do
    [ "$c" != - ] && curl -s -H "$H" localhost:18411/api/v1/courses/$c > $2/course-$c.json
    [ "$r" != - ] && curl -s -H "$H" localhost:18411/api/v1/requests/$r > $2/request-$r.json
  done < $2/ids
  for f in $2/course-*.json; do
    python3 -c 'import json,sys; [print(r["id"]) for r in json.load(open(sys.argv[1])).get("rounds",[])]' $f
  done | while read r; do curl -s -H "$H" localhost:18411/api/v1/rounds/$r > $2/round-$r.json; done
  curl -s -H "$H" localhost:18411/api/v1/audit > $2/audit.json
  curl -s -H "$H" "localhost:18411/api/v1/audit?format=csv" > $2/audit.csv
  kill $pid; wait $pid || true
}
fetch $old $w/A
fetch $new $w/B
echo "files: $(ls $w/A | wc -l) A, $(ls $w/B | wc -l) B; rounds $(ls $w/A/round-* | wc -l), courses $(ls $w/A/course-* | wc -l), requests $(ls $w/A/request-* | wc -l)"
diff -r $w/A $w/B && echo IDENTICAL
