-- wrk -s loadtest/wrk/paths.lua URL: GET a path drawn at random, per request, from the
-- file named by PATHS (one path per line), with `Authorization: Bearer $TOKEN` when
-- TOKEN is set and `Accept-Encoding: $ENCODING` when ENCODING is set. Prints one summary
-- line: `RESULT name req/s p50_ms p99_ms errors bytes_per_answer` (errors include answers
-- of 400 and above; bytes count headers too). When a run had errors, a second line on
-- stderr breaks them down: `ERRORS name connect= read= write= timeout= status= max_ms=`
-- (timeout: no answer within wrk's --timeout, 2 s by default).
local paths = {}
for line in io.lines(os.getenv("PATHS")) do
  if line ~= "" then paths[#paths + 1] = line end
end
local token = os.getenv("TOKEN")
if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
local encoding = os.getenv("ENCODING")
if encoding and encoding ~= "" then wrk.headers["Accept-Encoding"] = encoding end

function setup(thread)
  thread:set("id", math.random(1, 1e9))
end

function init()
  math.randomseed(id + os.time())
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end

function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout + summary.errors.status
  io.write(string.format("RESULT %s %.0f %.2f %.2f %d %.0f\n", os.getenv("NAME") or "-",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, errors, summary.bytes / math.max(summary.requests, 1)))
  if errors > 0 then
    local e = summary.errors
    io.stderr:write(string.format("ERRORS %s connect=%d read=%d write=%d timeout=%d status=%d max_ms=%.0f\n",
      os.getenv("NAME") or "-", e.connect, e.read, e.write, e.timeout, e.status, latency.max / 1000))
  end
end
