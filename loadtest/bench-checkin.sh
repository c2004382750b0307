#!/usr/bin/env bash
# Check-in throughput (issues 8 and 19, see BENCHMARKS.md): bare pgbench doing the
# same single-row INSERT with 64 clients, then POST /checkins with 64 connections
# (wrk, distinct tickets): group commit on an unregistered event (`group`), on a
# registered `listed` event whose ticket list is imported first (`listed`; the
# import of TICKETS lines is timed), and one INSERT per request (`single`,
# CHECKIN_BATCH_MAX=1). MODES picks them (default: group listed single).
# Needs a release build, wrk and pgbench.
set -euo pipefail
cd "$(dirname "$0")/.."
DB=troupe_bench_checkin
PORT=18082
URL=http://127.0.0.1:$PORT
BIN=target/release/troupe
DURATION=${DURATION:-15s}
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" postgres
DATA=$(mktemp -d)
PID=
start() { # extra env assignments
  env APP_PORT=$PORT DATA_DIR=$DATA DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB \
    RUST_LOG=warn BOOTSTRAP_ADMIN_USERNAME=root BOOTSTRAP_ADMIN_PASSWORD=bench-root-1 "$@" $BIN serve &
  PID=$!
  for _ in $(seq 100); do curl -sf $URL/health >/dev/null && break; sleep 0.2; done
}
stop() { kill $PID 2>/dev/null; wait $PID 2>/dev/null || true; }
trap 'stop; rm -rf "$DATA"' EXIT
login() {
  curl -sf -XPOST $URL/auth/login -H 'content-type: application/json' -d "{\"login\":\"$1\",\"password\":\"$2\"}" |
    python3 -c 'import sys,json;print(json.load(sys.stdin)["access_token"])'
}

start
ROOT=$(login root bench-root-1)
curl -sf -XPOST $URL/users -H "authorization: Bearer $ROOT" -H 'content-type: application/json' \
  -d '{"username":"gate","password":"gate-password-1","role":"committee"}' >/dev/null
echo "== pgbench, single-row INSERT, 64 clients"
pgbench -h 127.0.0.1 -U postgres -n -c64 -j2 -T${DURATION%s} -f loadtest/pgbench-checkin.sql $DB 2>&1 |
  grep -E "tps|latency average"
export TOKEN=$(login gate gate-password-1)
if [ -n "${K6:-}" ]; then
  echo "== k6 loadtest/checkin.js (distinct tickets at ${RATE:-5000}/s on 64 VUs + 4 VUs re-scanning one ticket), group commit"
  k6 run --no-usage-report --quiet -e BASE_URL=$URL -e TOKEN=$TOKEN -e DURATION=$DURATION -e RATE=${RATE:-5000} loadtest/checkin.js 2>&1 |
    grep -E "http_req_duration|http_reqs|unexpected|checks|✓|✗" || true
fi
for mode in ${MODES:-group listed single}; do
  [ "$mode" = none ] && continue
  if [ $mode = single ]; then stop; start CHECKIN_BATCH_MAX=1; export TOKEN=$(login gate gate-password-1); fi
  RUN=$mode-$(date +%s) EVENT=bench
  if [ $mode = listed ]; then
    RUN=L EVENT=bench-listed
    ROOT=$(login root bench-root-1)
    curl -sf -XPOST $URL/events -H "authorization: Bearer $ROOT" -H 'content-type: application/json' \
      -d '{"id":"bench-listed","name":"Bench","mode":"listed"}' >/dev/null
    # wrk's two threads ask for L-1-n and L-2-n, n = 1, 2, …
    python3 -c "
import sys
n = int(sys.argv[1]) // 2
print('ticket_id,holder_name,category')
for t in (1, 2):
    for i in range(1, n + 1):
        print(f'L-{t}-{i},Holder {t} {i},regular')" "${TICKETS:-400000}" > "$DATA/tickets.csv"
    echo "== import of ${TICKETS:-400000} tickets ($(du -h "$DATA/tickets.csv" | cut -f1)) through POST /events/bench-listed/tickets/import"
    /usr/bin/time -f "%e s" curl -sf -XPOST $URL/events/bench-listed/tickets/import -H "authorization: Bearer $ROOT" \
      -H 'content-type: text/csv' --data-binary @"$DATA/tickets.csv"; echo
  fi
  echo "== POST /checkins, $mode commit ($EVENT), wrk -t2 -c64 -d$DURATION"
  RUN=$RUN EVENT=$EVENT wrk -t2 -c64 -d$DURATION --latency -s loadtest/wrk/checkin.lua $URL/checkins |
    grep -E "Requests/sec|50%|90%|99%|Non-2xx|Socket"
  echo "-- server-side latency of /checkins (cumulative buckets):"
  curl -s $URL/metrics | grep 'http_request_duration_seconds_bucket{method="POST",route="/checkins"' | sed 's/.*le=/le=/' | tr '\n' ' '; echo
done
echo "== rows: $(psql -h 127.0.0.1 -U postgres -Atc "SELECT event_id || ': ' || count(*) FROM checkins GROUP BY event_id ORDER BY event_id" $DB | tr '\n' ' ')check-ins stored"
echo "== scans logged: $(psql -h 127.0.0.1 -U postgres -Atc "SELECT result || ': ' || count(*) FROM scans GROUP BY result ORDER BY result" $DB | tr '\n' ' ')"
