#!/usr/bin/env bash
# Issue 18: what the per-node revocation check costs. Runs today's binary (BASE, built
# from an earlier commit) and this one side by side, each on its own throwaway
# database, and measures GET /auth/verify and GET /auth/me on both in alternating
# rounds (base, new, base, new …) so that drift of the shared machine hits both alike.
# The new binary holds 10,000 revoked sessions and 1,000 role changes in its set (as
# after a busy token lifetime), and runs once more with JWT_ALGORITHM=EdDSA.
#
#   BASE=/tmp/troupe-base loadtest/bench-revocation.sh   # needs both binaries and wrk
#
# Build the base: git worktree add /tmp/base <commit>; (cd /tmp/base &&
# CARGO_TARGET_DIR=$PWD/../main/target cargo build --release); cp target/release/troupe
# /tmp/troupe-base; then cargo build --release here.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${BASE:?set BASE to the binary to compare with}
NEW=${NEW:-target/release/troupe}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-8s}
PG=postgres://postgres@127.0.0.1:5432
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  kill "${PIDS[@]}" 2>/dev/null; wait 2>/dev/null
  for name in base new eddsa; do
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS troupe_bench_rev_$name WITH (FORCE)"
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

start() { # name binary port extra-env...
  local name=$1 bin=$2 port=$3; shift 3
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS troupe_bench_rev_$name WITH (FORCE)"
  mkdir -p "$WORK/$name"
  env APP_PORT="$port" DATA_DIR="$WORK/$name" DATABASE_URL="$PG/troupe_bench_rev_$name" \
    JWT_SECRET=bench-revocation-secret-of-32-bytes-or-more ACCESS_TOKEN_TTL=3600 \
    LOGIN_RATE_LIMIT=0 BCRYPT_COST=10 RUST_LOG=warn "$@" "$bin" serve >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 150); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.2; done
  curl -sf -XPOST "http://127.0.0.1:$port/auth/register" -H 'content-type: application/json' \
    -d '{"username":"bench","password":"bench-password-1"}' >/dev/null
  curl -sf -XPOST "http://127.0.0.1:$port/auth/login" -H 'content-type: application/json' \
    -d '{"login":"bench","password":"bench-password-1"}' |
    python3 -c 'import sys,json;print(json.load(sys.stdin)["access_token"])' >"$WORK/$name.token"
}

start base "$BASE" 18091
start new "$NEW" 18092
# A busy token lifetime's revocations, loaded by a restart (as a node reads them at start).
psql "$PG/troupe_bench_rev_new" -qc "
  INSERT INTO token_revocations (kind, subject) SELECT 'session', gen_random_uuid() FROM generate_series(1, 10000);
  INSERT INTO token_revocations (kind, subject, role) SELECT 'role', gen_random_uuid(), 'user' FROM generate_series(1, 1000);"
kill "${PIDS[1]}"; wait "${PIDS[1]}" 2>/dev/null || true
env APP_PORT=18092 DATA_DIR="$WORK/new" DATABASE_URL="$PG/troupe_bench_rev_new" \
  JWT_SECRET=bench-revocation-secret-of-32-bytes-or-more ACCESS_TOKEN_TTL=3600 \
  LOGIN_RATE_LIMIT=0 BCRYPT_COST=10 RUST_LOG=warn "$NEW" serve >"$WORK/new.log" 2>&1 &
PIDS[1]=$!
for _ in $(seq 150); do curl -sf http://127.0.0.1:18092/ready >/dev/null && break; sleep 0.2; done
tracked=$(curl -s http://127.0.0.1:18092/metrics | awk '/^auth_revocations_tracked/ {print $2}')
start eddsa "$NEW" 18093 JWT_ALGORITHM=EdDSA

echo "revocations held by the new binary: $tracked"
echo "| round | endpoint | binary | req/s | p50 | p99 |"
echo "| --- | --- | --- | --- | --- | --- |"
for round in $(seq "$ROUNDS"); do
  for path in /auth/verify /auth/me; do
    for name in base new eddsa; do
      case $name in base) port=18091 ;; new) port=18092 ;; eddsa) port=18093 ;; esac
      out=$(TOKEN=$(cat "$WORK/$name.token") wrk -t2 -c32 -d"$DURATION" --latency \
        -s loadtest/wrk/bearer.lua "http://127.0.0.1:$port$path")
      if echo "$out" | grep -q "Non-2xx"; then echo "$out" >&2; exit 1; fi
      rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
      p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
      p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
      echo "| $round | $path | $name | $rps | $p50 | $p99 |"
    done
  done
done
