#!/usr/bin/env bash
# A refactoring check for the writes scripts/ab-replies.sh does not cover:
# the intake (people, departments, course requests and their refusals) and
# signing in (the rate limit and Retry-After, a link used once, a session
# read and ended). The same requests go to OLD and NEW, each on a fresh
# SQLite data dir; the replies (status, body with generated ids and times
# blanked), the audit lines and the rows written are compared. Exits 1 on
# any difference.
#   scripts/ab-intake.sh OLD_LMSGW NEW_LMSGW
set -uo pipefail
run() { # bin outfile port
  local bin=$1 out=$2 port=$3 w; w=$(mktemp -d /tmp/lmsgw-abi.XXXXXX)
  export LMSGW_DATA_DIR=$w LMSGW_ACCESS_LOG=false LMSGW_PORT=$port LMSGW_CONTENT_PORT=$((port+1))
  $bin migrate >/dev/null 2>&1
  tok=$($bin key create --role admin --name ab --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  $bin serve >$w/serve.log 2>&1 & local pid=$!
  for i in $(seq 50); do curl -sf localhost:$port/healthz >/dev/null && break; sleep 0.2; done
  H="Authorization: Bearer $tok"; B=localhost:$port
  req() { # method path body
    printf '%s %s %s\n' "$1" "$2" "$3"
    curl -s -o $w/body -D $w/hdr -X "$1" -H "$H" -H 'Content-Type: application/json' ${3:+--data "$3"} "$B$2" >/dev/null
    head -1 $w/hdr | tr -d '\r'; grep -i '^retry-after' $w/hdr | tr -d '\r' | sed 's/[0-9]\+$/N/'
    python3 -c '
import json,sys,re
t=open(sys.argv[1]).read()
try:
  j=json.loads(t)
  def clean(o):
    if isinstance(o,dict): return {k:("X" if k in ("created","id") and isinstance(v,str) and re.match(r"^[0-9a-f-]{36}$|^\d{4}-",v) else clean(v)) for k,v in o.items()}
    if isinstance(o,list): return [clean(x) for x in o]
    return o
  print(json.dumps(clean(j),sort_keys=True))
except Exception: print(re.sub(r"\s+"," ",t)[-200:])' $w/body
  }
  BC='"business_case":{"problem":"p","audience":"a","mandatory":false,"kpi":"k"}'
  {
  # method path body: one request a line (bodies without spaces)
  while read -r m p b; do req "$m" "$p" "$b"; done <<EOF_REQUESTS
POST /api/v1/people {"id":"ann","name":"Ann","email":"ann@example.com","department_id":"nodep"}
POST /api/v1/people {"id":"ann","name":"Ann","email":"ann@example.com"}
POST /api/v1/people {"id":"ann2","name":"Ann","email":"ann@example.com"}
POST /api/v1/people {"id":"bob","name":"Bob","email":"bob@example.com","roles":["author"]}
POST /api/v1/departments {"id":"ops","name":"Ops","head_person_id":"nobody"}
POST /api/v1/departments {"id":"ops","name":"Ops","head_person_id":"ann"}
POST /api/v1/departments {"id":"ops2","name":"Ops"}
POST /api/v1/departments {"id":"ops","name":"Ops3"}
PUT /api/v1/departments/nope/settings {}
PUT /api/v1/departments/ops/settings {"overdue_every_days":3}
POST /api/v1/people {"id":"cy","name":"Cy","email":"cy@example.com","department_id":"ops"}
POST /api/v1/requests {"department_id":"nodep","title":"T",$BC,"approvers":[{"person_id":"ann"}]}
POST /api/v1/requests {"department_id":"ops","title":"T","sme_person_id":"zed",$BC,"approvers":[{"person_id":"ann"}]}
POST /api/v1/requests {"department_id":"ops","title":"T",$BC,"approvers":[{"person_id":"ann"},{"person_id":"bob"},{"person_id":"zed"}]}
POST /api/v1/requests {"department_id":"ops","title":"T",$BC,"policy":"n_of_m","required":3,"approvers":[{"person_id":"ann"}]}
POST /api/v1/requests {"department_id":"ops","title":"T",$BC,"approvers":[{"person_id":"ann"},{"person_id":"ann"}]}
POST /api/v1/requests {"department_id":"ops","title":"T",$BC,"approvers":[]}
POST /api/v1/requests {"department_id":"ops","title":"T","sme_person_id":"cy",$BC,"approvers":[{"person_id":"ann","due_in_days":5},{"person_id":"bob"}]}
EOF_REQUESTS
  for i in 1 2 3 4 5 6; do req POST /api/v1/signin '{"email":"Ann@Example.COM"}'; done
  for i in 1 2; do req POST /api/v1/signin '{"email":"nobody@example.com"}'; done
  req POST /signin/$(printf 'a%.0s' $(seq 64)) ''
  req POST /signin/abc ''
  curl -s -o $w/body -D $w/hdr -H "Cookie: lmsgw_session=$(printf 'b%.0s' $(seq 64))" $B/api/v1/session >/dev/null
  echo "session:"; head -1 $w/hdr | tr -d '\r'; cat $w/body; echo
  tok1=$(grep -o 'signin/[0-9a-f]\{64\}' $w/serve.log | head -1 | cut -d/ -f2)
  echo "link found in log: ${tok1:+yes}"
  curl -s -o $w/body -D $w/hdr -X POST $B/signin/$tok1 >/dev/null
  head -1 $w/hdr | tr -d '\r'; grep -i '^location' $w/hdr | tr -d '\r'
  sid=$(grep -io 'lmsgw_session=[0-9a-f]*' $w/hdr | cut -d= -f2)
  echo "cookie: ${sid:+yes}"; grep -i '^set-cookie' $w/hdr | tr -d '\r' | sed 's/=[0-9a-f]\{64\}/=S/'
  curl -s -o $w/body -D $w/hdr -X POST $B/signin/$tok1 >/dev/null
  head -1 $w/hdr | tr -d '\r'; grep -o 'SIGNIN_[A-Z_]*' $w/body
  curl -s -H "Cookie: lmsgw_session=$sid" $B/api/v1/session > $w/sess
  python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["kind"], j["person"], j["roles"], len(j["csrf_token"]))' $w/sess
  csrf=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf_token"])' $w/sess)
  curl -s -o /dev/null -w '%{http_code}\n' -X DELETE -H "Cookie: lmsgw_session=$sid" $B/api/v1/session
  curl -s -o /dev/null -w '%{http_code}\n' -X DELETE -H "Cookie: lmsgw_session=$sid" -H "X-CSRF-Token: $csrf" $B/api/v1/session
  curl -s -H "Cookie: lmsgw_session=$sid" $B/api/v1/session; echo
  echo "audit:"; curl -s -H "$H" $B/api/v1/audit | python3 -c '
import json,sys
j=json.load(sys.stdin)
rows=j.get("records") or j.get("audit") or j.get("entries") or j
for r in rows: print(r.get("action"), r.get("actor"), r.get("via"), r.get("address"))'
  kill $pid; wait $pid 2>/dev/null
  echo "rows:"
  sqlite3 $w/lmsgw.db "SELECT id, name, email, department_id, title, roles FROM people ORDER BY id;
    SELECT id, name, cost_center, head_person_id, settings FROM departments ORDER BY id;
    SELECT department_id, title, sme_person_id, business_case, deadline_ms, effort_low_hours, effort_high_hours, project_code, policy, policy_n, approve_on_silence, silence_agreed_by, silence_agreed_ms FROM course_requests;
    SELECT person_id, position, due_ms, due_in_days FROM request_approvers ORDER BY position;
    SELECT email, address FROM signin_attempts ORDER BY at_ms;
    SELECT person_id, expires_ms - created_ms, used_ms IS NOT NULL FROM signin_tokens ORDER BY created_ms;
    SELECT person_id, expires_ms - created_ms, last_seen_ms = created_ms, revoked_ms IS NOT NULL, csrf IS NOT NULL, address FROM sessions;"
  } > $out 2>&1
  rm -rf $w
}
o=$(mktemp -d /tmp/lmsgw-abi-out.XXXXXX)
trap 'rm -rf "$o"' EXIT
run "$1" $o/old.txt 18531
run "$2" $o/new.txt 18541
diff $o/old.txt $o/new.txt && echo "identical: $(wc -l < $o/new.txt) lines of replies, audit and rows"
