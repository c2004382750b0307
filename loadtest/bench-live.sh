#!/usr/bin/env bash
# Live counts under load (issue 19, BENCHMARKS.md "Live counts"): a release server on
# :18083 with a fresh database, CLIENTS Server-Sent-Events watchers on one event while
# check-ins of distinct tickets arrive at RATE per second (loadtest/live-load.py).
# Needs target/release/troupe and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
DB=troupe_bench_live
PORT=18083
URL=http://127.0.0.1:$PORT
BIN=target/release/troupe
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" postgres
DATA=$(mktemp -d)
# 1,000 watchers need more than the default 1,024 open files.
ulimit -n 8192
env APP_PORT=$PORT DATA_DIR=$DATA DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB \
  RUST_LOG=warn BOOTSTRAP_ADMIN_USERNAME=root BOOTSTRAP_ADMIN_PASSWORD=bench-root-1 $BIN serve &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 100); do curl -sf $URL/health >/dev/null && break; sleep 0.2; done
login() {
  curl -sf -XPOST $URL/auth/login -H 'content-type: application/json' -d "{\"login\":\"$1\",\"password\":\"$2\"}" |
    python3 -c 'import sys,json;print(json.load(sys.stdin)["access_token"])'
}
ROOT=$(login root bench-root-1)
curl -sf -XPOST $URL/users -H "authorization: Bearer $ROOT" -H 'content-type: application/json' \
  -d '{"username":"gate","password":"gate-password-1","role":"committee"}' >/dev/null
curl -sf -XPOST $URL/events -H "authorization: Bearer $ROOT" -H 'content-type: application/json' \
  -d '{"id":"live-bench","name":"Live bench"}' >/dev/null
TOKEN=$(login gate gate-password-1)
python3 loadtest/live-load.py $URL "$TOKEN" live-bench ${CLIENTS:-1000} ${RATE:-1000} ${DURATION:-20} ${SCANNERS:-32} ${SAMPLE:-50}
echo "server RSS after the run: $(ps -o rss= -p $PID) KiB"
