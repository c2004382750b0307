#!/usr/bin/env bash
# Issue 20: the web app's budget. Starts the release binary on a throwaway database
# with 24 projects (each with a thumbnailed image), runs Lighthouse 12.2.3 (npm,
# web/perf) in Debian's Chromium against the gallery with its default mobile
# settings (simulated slow 4G and a 4x slower CPU), and prints the performance and
# accessibility scores and the compressed bytes of JavaScript and CSS the first load
# fetched (budget: 150 KB).
#
#   cargo build --release && loadtest/lighthouse.sh      # needs chromium, npm
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/troupe}
PORT=${PORT:-18097}
PG=postgres://postgres@127.0.0.1:5432
DB=troupe_bench_web
URL="http://127.0.0.1:$PORT"
WORK=$(mktemp -d)
PID=
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
  rm -rf "$WORK"
}
trap cleanup EXIT

[ -x web/perf/node_modules/.bin/lighthouse ] ||
  npm ci --prefix web/perf --no-audit --no-fund --loglevel=error

psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
APP_PORT=$PORT DATA_DIR="$WORK/data" DATABASE_URL="$PG/$DB" RUST_LOG=warn \
  LOGIN_RATE_LIMIT=0 "$BIN" serve >"$WORK/troupe.log" 2>&1 &
PID=$!
for _ in $(seq 150); do curl -sf "$URL/ready" >/dev/null && break; sleep 0.2; done

# 24 projects by one creator, each with a 1200x900 photo-like PNG.
python3 - "$URL" "$WORK" <<'PY'
import json, random, struct, subprocess, sys, zlib
url, work = sys.argv[1], sys.argv[2]

def call(*args):
    out = subprocess.run(["curl", "-sf", *args], check=True, capture_output=True, text=True).stdout
    return json.loads(out) if out else None

def png(w, h, seed):
    rng = random.Random(seed)
    base = [rng.randrange(40, 200) for _ in range(3)]
    rows = b"".join(b"\0" + bytes(
        min(255, max(0, base[c] + (x * 97 // w) - (y * 61 // h) + rng.randrange(-12, 12)))
        for x in range(w) for c in range(3)) for y in range(h))
    chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b"")

json_h = ["-H", "content-type: application/json"]
call("-XPOST", f"{url}/auth/register", *json_h, "-d", json.dumps({"username": "mira", "password": "mira-password-1"}))
token = call("-XPOST", f"{url}/auth/login", *json_h, "-d", json.dumps({"login": "mira", "password": "mira-password-1"}))["access_token"]
auth = ["-H", f"authorization: Bearer {token}"]
words = ["harbour", "lantern", "kiln", "loom", "tide", "ember", "willow", "quarry", "atlas", "prism", "meadow", "cinder"]
for i in range(24):
    title = f"{words[i % 12].title()} study {i + 1}"
    project = call("-XPOST", f"{url}/projects", *auth, *json_h, "-d", json.dumps(
        {"title": title, "description": f"Series {i + 1}: {words[i % 12]} and {words[(i * 5) % 12]}", "tags": [words[i % 12], words[(i * 7) % 12]]}))
    path = f"{work}/{i}.png"
    open(path, "wb").write(png(1200, 900, i))
    call("-XPOST", f"{url}/media/upload", *auth, "-F", f"file=@{path};type=image/png", "-F", f"project_id={project['id']}")
PY
# Thumbnails made before Lighthouse looks.
for _ in $(seq 100); do
  curl -sf "$URL/projects?size=24" | python3 -c '
import json, sys; items = json.load(sys.stdin)["items"]
sys.exit(0 if len(items) == 24 and all(p.get("thumbnail_url") for p in items) else 1)' && break
  sleep 0.3
done

CHROME_PATH=${CHROMIUM:-/usr/bin/chromium} web/perf/node_modules/.bin/lighthouse "$URL/app/" \
  --quiet --only-categories=performance,accessibility --output=json --output-path="$WORK/report.json" \
  --chrome-flags="--headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking"

python3 - "$WORK/report.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
cats, audits = report["categories"], report["audits"]
requests = audits["network-requests"]["details"]["items"]
kinds = {"Script": 0, "Stylesheet": 0, "Image": 0}
counts = dict.fromkeys(kinds, 0)
raw = 0  # the same files' bytes as they are (what an unencoded answer would carry)
for r in requests:
    if r.get("resourceType") in kinds:
        kinds[r["resourceType"]] += r.get("transferSize", 0)
        if r["resourceType"] != "Image":
            raw += r.get("resourceSize", 0)
        counts[r["resourceType"]] += 1
print(f"lighthouse {report['lighthouseVersion']} on {report['environment']['hostUserAgent']}")
print(f"performance {cats['performance']['score'] * 100:.0f}, accessibility {cats['accessibility']['score'] * 100:.0f}")
for key in ["first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift", "speed-index"]:
    print(f"  {audits[key]['title']}: {audits[key]['displayValue']}")
print(f"first load: JavaScript {kinds['Script'] / 1024:.1f} KiB + CSS {kinds['Stylesheet'] / 1024:.1f} KiB transferred "
      f"= {(kinds['Script'] + kinds['Stylesheet']) / 1024:.1f} KiB (budget 150 KB) in {counts['Script']} scripts and "
      f"{counts['Stylesheet']} stylesheet; {counts['Image']} images ({kinds['Image'] / 1024:.1f} KiB); {len(requests)} requests")
print(f"  the same JavaScript and CSS unencoded: {raw / 1024:.1f} KiB")
failed = [a["id"] for a in audits.values() if a.get("scoreDisplayMode") == "binary" and a.get("score") == 0
          and a["id"] in {r["id"] for r in cats["accessibility"]["auditRefs"]}]
if failed:
    print("accessibility audits failed:", ", ".join(failed))
PY
