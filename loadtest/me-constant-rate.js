// GET /auth/me at a fixed arrival rate (open loop), to measure its latency with
// and without a login flood running beside it (loadtest/bench-auth.sh flood-rate).
// k6 run --no-usage-report -e BASE_URL=... -e TOKEN=... -e RATE=2000 loadtest/me-constant-rate.js
import http from "k6/http";
import { check } from "k6";

const BASE = __ENV.BASE_URL || "http://127.0.0.1:8080";
export const options = {
  scenarios: {
    me: {
      executor: "constant-arrival-rate",
      rate: Number(__ENV.RATE || 2000),
      timeUnit: "1s",
      duration: __ENV.DURATION || "15s",
      preAllocatedVUs: 64,
      maxVUs: 256,
    },
  },
  summaryTrendStats: ["avg", "p(50)", "p(95)", "p(99)", "max"],
  thresholds: { http_req_failed: ["rate<0.01"] },
};

export default function () {
  const res = http.get(`${BASE}/auth/me`, { headers: { Authorization: `Bearer ${__ENV.TOKEN}` } });
  check(res, { "200": (r) => r.status === 200 });
}
