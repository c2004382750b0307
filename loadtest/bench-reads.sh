#!/usr/bin/env bash
# The public-read benchmark (BENCHMARKS.md "Public reads at 100,000 projects").
# Seeds 1,000 users and 100,000 projects (loadtest/seed-reads.py) into a throwaway
# database, rebuilds the embedded index, starts a release server on :18081 (memory bus,
# embedded index) and runs wrk on every public read with varied requests — paths drawn
# at random per request from lists of ids, pages and words made for this run — beside
# `pgbench -S` (measured before and after) and `/auth/me` as references. Prints one
# markdown table; exits non-zero when a row misses its target.
#
#   loadtest/bench-reads.sh            # needs target/release/troupe, wrk, pgbench, python3
#   KEEP=1 loadtest/bench-reads.sh     # reuse the seeded database of an earlier run
#   ONLY='projects|search' loadtest/bench-reads.sh   # rows whose name matches
#   ENCODINGS='gzip br' (the default)   # list rows again with Accept-Encoding: each
#                                       # (the cost of compression; no target)
#   ROUNDS=3 loadtest/bench-reads.sh    # the whole table three times, each round on a
#                                       # fresh server with fresh draws; each figure is
#                                       # the median of its rounds (p99s of every round
#                                       # are printed too)
# Each row also reports the CPU time the VM's host took away while it ran (steal,
# from /proc/stat): a row whose p99 jumps while steal jumps was measured on a machine
# that had less to give.
set -euo pipefail
cd "$(dirname "$0")/.."
DB=troupe_bench_reads
PG=${PG:-postgres://postgres@127.0.0.1:5432}   # another PostgreSQL: PG=postgres://postgres@127.0.0.1:5433
PORT=18081
URL=http://127.0.0.1:$PORT
BIN=${BIN:-target/release/troupe}
WORK=${WORK:-/tmp/troupe-bench-reads}
DURATION=${DURATION:-8s}
ROUNDS=${ROUNDS:-1}
W="wrk -t2 -c32 -d$DURATION --latency -s loadtest/wrk/paths.lua"
export DATABASE_URL=$PG/$DB DATA_DIR=$WORK/data RUST_LOG=warn

if [ -z "${KEEP:-}" ] || ! psql "$PG/postgres" -Atc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1; then
  rm -rf "$WORK"; mkdir -p "$WORK"
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
  $BIN migrate >/dev/null
  python3 loadtest/seed-reads.py "$DATABASE_URL" "$WORK/lists"
  psql "$DATABASE_URL" -qc "VACUUM ANALYZE"
  $BIN reindex >/dev/null
fi
if ! psql "$PG/postgres" -Atc "SELECT 1 FROM pg_database WHERE datname='troupe_bench_pgbench'" | grep -q 1; then
  psql "$PG/postgres" -qc "CREATE DATABASE troupe_bench_pgbench"
  pgbench -q -i -s 10 "$PG/troupe_bench_pgbench" >/dev/null 2>&1
fi

. loadtest/reads-server.sh
trap 'stop_server' EXIT

# Varied requests: a fresh random draw of ids, pages and words every run.
draw_paths() {
python3 - "$WORK/lists" "$WORK/paths" "$URL" <<'EOF'
import json, os, random, sys, urllib.request
lists, out, url = sys.argv[1:]
read = lambda n: [l for l in open(os.path.join(lists, n)).read().split() if l]
users, projects, media = read("users.txt"), read("projects.txt"), read("media_projects.txt")
big, words, prefixes = read("big_user.txt")[0], read("words.txt"), read("prefixes.txt")
rng = random.Random()
def cursors(path, depth):  # the cursors of pages depth-10 … depth+10, walked from page 1
    found, cursor = [], None
    for page in range(1, depth + 11):
        q = f"size=20&cursor={cursor}" if cursor else "size=20"
        body = json.load(urllib.request.urlopen(f"{url}{path}?{q}"))
        cursor = body.get("next_cursor")
        if cursor is None:
            break
        if page >= depth - 11:
            found.append(f"{path}?size=20&cursor={cursor}")
    return found or [f"{path}?size=20"]
pick = lambda xs, n=2000: [rng.choice(xs) for _ in range(n)]
sets = {
    "me": ["/auth/me"],
    "projects_first": [f"/projects?page=1&size={rng.randint(10, 30)}" for _ in range(200)],
    "projects_deep": [f"/projects?page={rng.randint(390, 410)}&size=20" for _ in range(200)],
    "projects_cursor": cursors("/projects", 400),
    "by_user_first": [f"/projects/user/{u}?page=1&size=20" for u in pick(users)],
    "by_user_deep": [f"/projects/user/{big}?page={rng.randint(390, 410)}&size=20" for _ in range(200)],
    "by_user_cursor": cursors(f"/projects/user/{big}", 400),
    "project": [f"/projects/{p}" for p in pick(projects, 20000)],
    "profile": [f"/profiles/{u}" for u in pick(users)],
    "media": [f"/media?project_id={p}" for p in pick(media, 20000)],
    "users": [f"/users?page={rng.randint(1, 50)}&size=20" for _ in range(200)],
    "search": [f"/search?query={w}" for w in pick(words)]
              + [f"/search?query={a}%20{b}" for a, b in zip(pick(words, 1000), pick(words, 1000))],
    "suggest": [f"/search/suggest?query={p}" for p in pick(prefixes)],
}
os.makedirs(out, exist_ok=True)
for name, paths in sets.items():
    open(os.path.join(out, name), "w").write("\n".join(paths) + "\n")
EOF
}

pgbench_tps() {
  pgbench -S -c64 -j2 -T"${DURATION%s}" "$PG/troupe_bench_pgbench" 2>/dev/null |
    sed -n 's/^tps = \([0-9.]*\).*/\1/p' | cut -d. -f1
}
steal_ticks() { awk '/^cpu / {print $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
run() { # name [token [encoding]] -> "round name req/s p50 p99 errors bytes steal%"
  local before after result
  before=$(steal_ticks)
  result=$(NAME=$1${3:++$3} PATHS=$WORK/paths/$1 TOKEN=${2:-} ENCODING=${3:-} $W "$URL" |
    sed -n 's/^RESULT //p')
  after=$(steal_ticks)
  echo "$ROUND $result $(echo "$before $after" | awk '{t = $4 - $2; printf "%.1f", (t > 0 ? 100 * ($3 - $1) / t : 0)}')"
}

PGB1=$(pgbench_tps)
ROWS=""
for ROUND in $(seq "$ROUNDS"); do
  start_server COMPRESS_MIN_BYTES=1024
  draw_paths
  ROWS+="$(run me "$TOKEN")"$'\n'
  for name in projects_first projects_deep projects_cursor by_user_first by_user_deep by_user_cursor \
              project profile media users search suggest; do
    if [ -n "${ONLY:-}" ] && ! [[ $name =~ $ONLY ]]; then continue; fi
    token=""; [ "$name" = users ] && token=$TOKEN
    ROWS+="$(run $name "$token")"$'\n'
  done
  for encoding in ${ENCODINGS-gzip br}; do
    for name in projects_first by_user_deep users; do
      if [ -n "${ONLY:-}" ] && ! [[ $name =~ $ONLY ]]; then continue; fi
      token=""; [ "$name" = users ] && token=$TOKEN
      ROWS+="$(run $name "$token" "$encoding")"$'\n'
    done
  done
  stop_server
done
PGB2=$(pgbench_tps)

python3 - "$PGB1" "$PGB2" "$ROWS" <<'EOF'
import statistics, sys
pgb1, pgb2, rows = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
pgb = (pgb1 + pgb2) / 2
runs = {}  # name -> one tuple per round, in order
for line in rows.strip().splitlines():
    _, name, rps, p50, p99, errors, size, steal = line.split()
    runs.setdefault(name, []).append(
        (float(rps), float(p50), float(p99), int(errors), int(float(size)), float(steal)))
med = lambda name, i: statistics.median(r[i] for r in runs[name])
rounds = len(runs["me"])
me_p99 = med("me", 2)
print(f"pgbench -S -c64 -j2: {pgb1} tps before, {pgb2} after (reference {pgb:.0f})")
if rounds > 1:
    print(f"{rounds} rounds, each on a fresh server; figures are medians of the rounds")
print()
print("| endpoint | req/s | % of pgbench | p50 ms | p99 ms | p99 / me p99 | errors | bytes/answer "
      + ("| p99 ms by round " if rounds > 1 else "") + "| steal % | target |")
print("| --- " * (10 + (rounds > 1)) + "|")
failed = 0
for name in runs:
    rps, p50, p99 = med(name, 0), med(name, 1), med(name, 2)
    errors, size = sum(r[3] for r in runs[name]), runs[name][-1][4]
    if name == "me":
        ok, target = True, "reference"
    elif "+" in name:
        ok, target = errors == 0, "compressed: compare with the plain row"
    elif name in ("search", "suggest"):
        ok = rps >= 0.25 * pgb and p99 <= 10 and errors == 0
        target = "≥ 25 %, p99 ≤ 10 ms"
    else:
        ok = rps >= 0.5 * pgb and p99 <= 2 * me_p99 and errors == 0
        target = "≥ 50 %, p99 ≤ 2× me"
    failed += not ok
    by_round = f"| {' / '.join(f'{r[2]:.1f}' for r in runs[name])} " if rounds > 1 else ""
    steal = " / ".join(f"{r[5]:.1f}" for r in runs[name])
    print(f"| {name} | {rps:,.0f} | {100 * rps / pgb:.0f} % | {p50:.1f} | {p99:.1f} | "
          f"{p99 / me_p99:.2f} | {errors} | {size:,} {by_round}| {steal} | {target} {'✓' if ok else '✗'} |")
sys.exit(1 if failed else 0)
EOF
