#!/usr/bin/env bash
# Auth benchmarks of issue 3 (see BENCHMARKS.md). Needs a release build, wrk, pgbench.
# Starts its own server on :18080 with a throwaway database; prints wrk's reports.
set -euo pipefail
cd "$(dirname "$0")/.."
COST=${BCRYPT_COST:-12}
DB=troupe_bench_auth
PORT=18080
BIN=target/release/troupe
URL=http://127.0.0.1:$PORT
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" postgres
DATA=$(mktemp -d)
APP_PORT=$PORT DATA_DIR=$DATA DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB \
  BCRYPT_COST=$COST LOGIN_RATE_LIMIT=0 RUST_LOG=warn $BIN serve & PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 100); do curl -sf $URL/health >/dev/null && break; sleep 0.2; done
curl -sf -XPOST $URL/auth/register -H 'content-type: application/json' \
  -d '{"username":"bench","password":"bench-password-1"}' >/dev/null
TOKEN=$(curl -sf -XPOST $URL/auth/login -H 'content-type: application/json' \
  -d '{"login":"bench","password":"bench-password-1"}' | python3 -c 'import sys,json;print(json.load(sys.stdin)["access_token"])')
export TOKEN
# Long enough for the runs below (default access TTL is 300 s).
W="wrk -t2 -c64 -d15s --latency"
case "${1:-all}" in
  verify|all)
    echo "== /health";       $W $URL/health
    echo "== /auth/verify";  $W -s loadtest/wrk/bearer.lua $URL/auth/verify ;;&
  me|all)
    echo "== /auth/me";      $W -s loadtest/wrk/bearer.lua $URL/auth/me ;;&
  login|all)
    echo "== logins (cost $COST)"
    wrk -t2 -c16 -d20s --latency -s loadtest/wrk/login.lua $URL/auth/login ;;&
  flood|all)
    echo "== /auth/me alone, same shape as during the flood"
    wrk -t1 -c16 -d15s --latency -s loadtest/wrk/bearer.lua $URL/auth/me
    echo "== /auth/me during a login flood (cost $COST)"
    wrk -t1 -c${FLOOD_CONNECTIONS:-32} -d25s -s loadtest/wrk/login.lua $URL/auth/login > /tmp/flood.txt &
    FLOOD=$!
    sleep 3
    wrk -t1 -c16 -d15s --latency -s loadtest/wrk/bearer.lua $URL/auth/me
    wait $FLOOD; echo "-- the flood itself:"; cat /tmp/flood.txt
    echo "-- server-side latency of /auth/me (cumulative buckets, seconds):"
    curl -s $URL/metrics | grep 'http_request_duration_seconds_bucket{method="GET",route="/auth/me"' ;;
  flood-rate|all)
    # Open loop: /auth/me at a fixed rate below saturation, alone and then beside a
    # login flood; the p99s compare like for like.
    K6="k6 run --no-usage-report --quiet -e BASE_URL=$URL -e TOKEN=$TOKEN -e RATE=${RATE:-2000}"
    echo "== /auth/me at ${RATE:-2000}/s alone"
    $K6 loadtest/me-constant-rate.js 2>&1 | grep -E "http_req_duration|http_reqs|http_req_failed"
    echo "== /auth/me at ${RATE:-2000}/s during a login flood (cost $COST)"
    wrk -t1 -c${FLOOD_CONNECTIONS:-32} -d20s -s loadtest/wrk/login.lua $URL/auth/login > /tmp/flood.txt &
    FLOOD=$!
    sleep 3
    $K6 loadtest/me-constant-rate.js 2>&1 | grep -E "http_req_duration|http_reqs|http_req_failed"
    wait $FLOOD; echo "-- the flood itself:"; grep -E "Requests/sec|Non-2xx" /tmp/flood.txt
    echo "-- server-side latency of /auth/me over both runs (cumulative buckets, seconds):"
    curl -s $URL/metrics | grep 'http_request_duration_seconds_bucket{method="GET",route="/auth/me"' ;;
esac
