#!/usr/bin/env bash
# Injection scan: Debian's sqlmap against the main routes of the real service on PostgreSQL,
# with a valid token and the demo dataset. Fails when sqlmap reports an injectable parameter.
#
#   tests/sqlmap.sh                       # LEVEL=2 RISK=1 by default
#   LEVEL=3 RISK=2 tests/sqlmap.sh        # deeper, slower
#
# Needs PostgreSQL at TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); it
# creates and drops its own database there. Rate limiting is off for the scan (RATE_LIMIT=off):
# the scan is about injection, and a limit would only make sqlmap see 429s.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
LEVEL=${LEVEL:-2}
RISK=${RISK:-1}
PORT=${SQLMAP_PORT:-39217}
DB="cadap_sqlmap_$$"
WORK=$(mktemp -d)
DB_URL="${BASE_URL%/*}/$DB"
SERVICE_PID=""

psql_admin() { node -e '
  const postgres = require("postgres"); const sql = postgres(process.argv[1], { max: 1, onnotice: () => {} });
  sql.unsafe(process.argv[2]).then(() => sql.end(), (e) => { console.error(e.message); sql.end(); process.exit(1); });' "$BASE_URL" "$1"; }

cleanup() {
  [ -n "$SERVICE_PID" ] && kill "$SERVICE_PID" 2>/dev/null && wait "$SERVICE_PID" 2>/dev/null || true
  psql_admin "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true
  rm -rf "$WORK"
}
trap cleanup EXIT

psql_admin "CREATE DATABASE $DB"
export DATA_DIR="$WORK/data"
DATABASE_URL="$DB_URL" AUTH_EMBEDDED_KEY=true SEED_DEMO=true RATE_LIMIT=off SCHEDULER=off LOG_LEVEL=info HOST=127.0.0.1 PORT=$PORT \
  node --import tsx src/server.ts >"$WORK/service.log" 2>&1 &
SERVICE_PID=$!
URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 120); do
  curl -sf "$URL/health/ready" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -sf "$URL/health/ready" >/dev/null || { echo "the service did not become ready"; cat "$WORK/service.log"; exit 1; }

TOKEN=$(npm run -s token -- --org "Pavlodar Correctional Colony No. 1" --role prison_staff)
AUTH="Authorization: Bearer $TOKEN"
CASE_JSON=$(curl -sf -H "$AUTH" "$URL/cases?limit=1")
CASE_ID=$(node -e 'const c = JSON.parse(process.argv[1]).items[0]; process.stdout.write(c.id)' "$CASE_JSON")
CASE_VERSION=$(node -e 'const c = JSON.parse(process.argv[1]).items[0]; process.stdout.write(String(c.version))' "$CASE_JSON")
PARTICIPANT_REF=$(curl -sf -H "$AUTH" "$URL/cases/$CASE_ID" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const c=JSON.parse(s);process.stdout.write(c.participant?.referenceCode ?? "P-0000-0000")})')

run() {
  local name=$1; shift
  echo "== sqlmap: $name"
  sqlmap --batch --level="$LEVEL" --risk="$RISK" --dbms=PostgreSQL --flush-session --disable-coloring \
    --output-dir="$WORK/sqlmap" -H "$AUTH" --threads=2 "$@" 2>&1 | tee -a "$WORK/sqlmap.log" | grep -E "injectable|identified|WARNING.*(parameter|URI)|CRITICAL" || true
  if ! kill -0 "$SERVICE_PID" 2>/dev/null; then
    echo "the service died during the scan of $name:"; grep -v '"msg":"request"' "$WORK/service.log" | tail -40; exit 1
  fi
}

run "participants search ?reference=" -u "$URL/participants?reference=$PARTICIPANT_REF" -p reference
run "case read (path id)" -u "$URL/cases/${CASE_ID}*"
run "case history (path id, limit)" -u "$URL/cases/${CASE_ID}*/events?limit=10"
run "case event (JSON body)" -u "$URL/cases/$CASE_ID/events" --method=POST \
  --data="{\"type\":\"SCREENED\",\"data\":{\"date\":\"2026-03-02\",\"outcome\":\"suitable\"},\"expectedVersion\":$CASE_VERSION}" \
  -H "Content-Type: application/json"
run "indicators ?table=&period=" -u "$URL/indicators?table=country-quarter&period=2026-Q1"

if grep -qE "sqlmap identified the following injection point|is vulnerable" "$WORK/sqlmap.log"; then
  echo "sqlmap: INJECTION FOUND"; grep -B2 -A12 "identified the following injection point" "$WORK/sqlmap.log"; exit 1
fi
requests=$(grep -c "" "$WORK/sqlmap.log" || true)
server_errors=$(grep -cE '"status":5[0-9][0-9]' "$WORK/service.log" || true)
echo "sqlmap (level $LEVEL, risk $RISK): no injectable parameter in 5 targets; $server_errors 5xx logged by the service; log lines: $requests"
