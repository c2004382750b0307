# Sourced by the public-read scripts (bench-reads.sh, read-cost.sh,
# search-beside-me.sh): a server on $PORT ($URL) running $BIN over the database and
# DATA_DIR they export, and the signed-in user `reader`, whose access token is $TOKEN.
#
#   start_server [NAME=value ...]   # extra settings for the server
#   stop_server

PID=""
start_server() {
  env "$@" APP_PORT="$PORT" ACCESS_TOKEN_TTL=3600 LOGIN_RATE_LIMIT=0 BCRYPT_COST=10 "$BIN" serve & PID=$!
  for _ in $(seq 100); do curl -sf "$URL/ready" >/dev/null && break; sleep 0.2; done
  # A database seeded by an earlier run has the reader already (409, ignored).
  curl -s -XPOST "$URL/auth/register" -H 'content-type: application/json' \
    -d '{"username":"reader","password":"reader-password-1"}' >/dev/null
  TOKEN=$(curl -sf -XPOST "$URL/auth/login" -H 'content-type: application/json' \
    -d '{"login":"reader","password":"reader-password-1"}' |
    python3 -c 'import sys,json;print(json.load(sys.stdin)["access_token"])')
}
stop_server() { if [ -n "$PID" ]; then kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null || true; PID=""; fi; }
