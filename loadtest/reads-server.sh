# Sourced by the public-read scripts (bench-reads.sh, read-cost.sh,
# search-beside-me.sh): a server on $PORT ($URL) running $BIN over the database and
# DATA_DIR they export, and the signed-in user `reader`, whose access token is $TOKEN.
#
#   start_server [NAME=value ...]   # extra settings for the server
#   stop_server
#
# The server runs in a session of its own (setsid), as a service or a container
# would: with the kernel's autogroup scheduling (on by default in most
# distributions), a server started from the load generator's session shares one
# CPU group with wrk (PostgreSQL has its own, and pgbench's clients run alone in
# theirs), which on 2 cores doubled some p99s (BENCHMARKS.md, "A session of its own").

PID=""
start_server() {
  setsid env "$@" APP_PORT="$PORT" ACCESS_TOKEN_TTL=3600 LOGIN_RATE_LIMIT=0 BCRYPT_COST=10 "$BIN" serve & PID=$!
  for _ in $(seq 100); do curl -sf "$URL/ready" >/dev/null && break; sleep 0.2; done
  if [ "$(ps -o sid= -p "$PID" | tr -d ' ')" != "$PID" ]; then
    echo "the server ($PID) is not running in a session of its own" >&2; exit 1
  fi
  # A database seeded by an earlier run has the reader already (409, ignored).
  curl -s -XPOST "$URL/auth/register" -H 'content-type: application/json' \
    -d '{"username":"reader","password":"reader-password-1"}' >/dev/null
  TOKEN=$(curl -sf -XPOST "$URL/auth/login" -H 'content-type: application/json' \
    -d '{"login":"reader","password":"reader-password-1"}' |
    python3 -c 'import sys,json;print(json.load(sys.stdin)["access_token"])')
}
stop_server() { if [ -n "$PID" ]; then kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null || true; PID=""; fi; }
