// Check-in load: 64 scanners admitting distinct tickets at a fixed arrival rate
// (RATE, default 5000/s), plus 4 scanners re-scanning one ticket, which must always
// get 409. Thresholds fail the run (non-zero exit) when p99 of admissions exceeds
// 25 ms or any reply is not the expected one. (wrk measures the ceiling; see
// loadtest/bench-checkin.sh.)
//
// k6 run -e BASE_URL=http://127.0.0.1:8080 -e TOKEN=<committee token> loadtest/checkin.js
// (or -e ADMIN_USERNAME=… -e ADMIN_PASSWORD=… instead of TOKEN)
import http from "k6/http";
import { check } from "k6";
import { Counter } from "k6/metrics";
import { BASE, auth, staffToken } from "./lib.js";

const DURATION = __ENV.DURATION || "15s";
const unexpected = new Counter("unexpected_status");

export const options = {
  scenarios: {
    distinct: {
      executor: "constant-arrival-rate",
      rate: Number(__ENV.RATE || 5000),
      timeUnit: "1s",
      duration: DURATION,
      preAllocatedVUs: 64,
      maxVUs: 64,
      exec: "distinct",
    },
    duplicate: { executor: "constant-vus", vus: 4, duration: DURATION, exec: "duplicate" },
  },
  summaryTrendStats: ["avg", "p(50)", "p(95)", "p(99)", "max"],
  thresholds: {
    "http_req_duration{scenario:distinct}": ["p(99)<25"],
    unexpected_status: ["count==0"],
  },
};

function post(ticket, token) {
  return http.post(`${BASE}/checkins`, JSON.stringify({ event_id: "k6", ticket_id: ticket }), auth(token));
}

// One run id for every VU (module code runs once per VU; setup runs once).
export function setup() {
  const run = __ENV.RUN || `${Date.now()}`;
  const token = staffToken();
  check(post(`${run}-dup`, token), { "duplicate ticket admitted once": (r) => r.status === 201 });
  return { run, token };
}

export function distinct(data) {
  const res = post(`${data.run}-${__VU}-${__ITER}`, data.token);
  if (!check(res, { "201 admitted": (r) => r.status === 201 })) report(res);
}

export function duplicate(data) {
  const res = post(`${data.run}-dup`, data.token);
  if (!check(res, { "409 already checked in": (r) => r.status === 409 })) report(res);
}

function report(res) {
  unexpected.add(1);
  console.warn(`unexpected ${res.status} ${res.error || ""} ${String(res.body).slice(0, 200)}`);
}
