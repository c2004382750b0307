#!/usr/bin/env bash
# What new searches cost the other requests of a worker (BENCHMARKS.md, "Cheap new
# queries computed where they are asked"): on a fresh server over the seeded
# 100,000-project database of `loadtest/bench-reads.sh`, `/auth/me` and the `/search`
# paths that script drew last (all new to this server) are loaded at once, each with
# `wrk -t1 -c16 -d6s`. Prints one `RESULT` line per row (see loadtest/wrk/paths.lua).
#
#   loadtest/bench-reads.sh && BIN=/tmp/troupe-a loadtest/search-beside-me.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/troupe}
WORK=${WORK:-/tmp/troupe-bench-reads}
PG=postgres://postgres@127.0.0.1:5432
PORT=18081
URL=http://127.0.0.1:$PORT
if [ ! -s "$WORK/paths/search" ]; then
  echo "no $WORK/paths/search: run loadtest/bench-reads.sh first" >&2
  exit 1
fi
export DATABASE_URL=$PG/troupe_bench_reads DATA_DIR=$WORK/data RUST_LOG=warn
. loadtest/reads-server.sh
trap 'stop_server' EXIT
start_server
W="wrk -t1 -c16 -d6s --latency -s loadtest/wrk/paths.lua"
NAME=me PATHS=$WORK/paths/me TOKEN=$TOKEN $W $URL | grep RESULT > "$WORK/beside-me" & ME=$!
NAME=search PATHS=$WORK/paths/search $W $URL | grep RESULT
wait $ME
cat "$WORK/beside-me"
