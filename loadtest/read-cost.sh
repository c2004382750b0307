#!/usr/bin/env bash
# What one public read costs the server: CPU time (user + system, from /proc) and
# context switches (all threads) per request, beside req/s and p99, for rows of
# `bench-reads.sh`. A steadier measure than req/s on a VM whose speed swings: it
# counts the server's own work, not what the machine had to spare that minute.
#
#   loadtest/bench-reads.sh                   # once: seeds the data, writes the path lists
#   BIN=/tmp/troupe-a loadtest/read-cost.sh me projects_first project   # rows to measure
#
# Each row: 2 s of warm-up, then `wrk -t2 -c32 -d6s` (load generator on the same cores).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/troupe}
WORK=${WORK:-/tmp/troupe-bench-reads}
PORT=18081
URL=http://127.0.0.1:$PORT
[ -d "$WORK/paths" ] || { echo "read-cost: run loadtest/bench-reads.sh first (it writes $WORK/paths)" >&2; exit 2; }
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/troupe_bench_reads DATA_DIR=$WORK/data RUST_LOG=error
. loadtest/reads-server.sh
trap 'stop_server' EXIT
start_server

ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }   # user + system, in clock ticks
switches() { cat /proc/"$PID"/task/*/status | awk '/ctxt_switches/ {s += $2} END {print s}'; }
HZ=$(getconf CLK_TCK)
echo "| row | req/s | p99 ms | server CPU µs/request | context switches/request |"
echo "| --- | --- | --- | --- | --- |"
for row in "$@"; do
  token=""; if [ "$row" = users ] || [ "$row" = me ]; then token=$TOKEN; fi
  load() { NAME=$row PATHS=$WORK/paths/$row TOKEN=$token wrk -t2 -c32 "-d$1" --latency \
    -s loadtest/wrk/paths.lua "$URL" | sed -n 's/^RESULT //p'; }
  load 2s >/dev/null
  t0=$(ticks); c0=$(switches)
  result=$(load 6s)
  t1=$(ticks); c1=$(switches)
  read -r _ rps _ p99 _ _ <<<"$result"
  python3 -c "n = $rps * 6
print(f'| $row | {$rps:,.0f} | $p99 | {($t1 - $t0) * 1e6 / $HZ / n:.0f} | {($c1 - $c0) / n:.2f} |')"
done
