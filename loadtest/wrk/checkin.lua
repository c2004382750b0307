-- wrk -s loadtest/wrk/checkin.lua: POST /checkins with a distinct ticket per request.
-- TOKEN (a committee member's access token), RUN (a prefix unique per run) and EVENT
-- (default `bench`, an unregistered event) come from the environment.
local counter = 0
local threads = {}
local prefix = os.getenv("RUN") or tostring(os.time())
local event = os.getenv("EVENT") or "bench"

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. (os.getenv("TOKEN") or "")
end

function request()
  counter = counter + 1
  local body = string.format('{"event_id":"%s","ticket_id":"%s-%d-%d"}', event, prefix, id, counter)
  return wrk.format(nil, "/checkins", nil, body)
end
