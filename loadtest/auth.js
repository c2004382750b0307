// Account flow: register → login → me → refresh, per iteration, at a fixed arrival
// rate (RATE/s, default 2: every iteration costs two bcrypt operations). Fails (exit
// non-zero) when more than 1 % of requests fail, /auth/me or refresh p95 ≥ 50 ms, or
// register/login p99 ≥ 3 s.
//
// k6 run -e BASE_URL=http://127.0.0.1:8080 loadtest/auth.js
import http from "k6/http";
import { check } from "k6";
import { BASE, JSON_HEADERS, auth } from "./lib.js";

export const options = {
  scenarios: {
    accounts: {
      executor: "constant-arrival-rate",
      rate: Number(__ENV.RATE || 2),
      timeUnit: "1s",
      duration: __ENV.DURATION || "30s",
      preAllocatedVUs: 16,
      maxVUs: 64,
    },
  },
  summaryTrendStats: ["avg", "p(50)", "p(95)", "p(99)", "max"],
  thresholds: {
    http_req_failed: ["rate<0.01"],
    "http_req_duration{step:me}": ["p(95)<50"],
    "http_req_duration{step:refresh}": ["p(95)<50"],
    "http_req_duration{step:register}": ["p(99)<3000"],
    "http_req_duration{step:login}": ["p(99)<3000"],
  },
};

const RUN = __ENV.RUN || `${Date.now()}`;

export default function () {
  const username = `k6${RUN}v${__VU}i${__ITER}`;
  const password = "k6-password-123";
  const body = JSON.stringify({ username, password });
  const registered = http.post(`${BASE}/auth/register`, body, { headers: JSON_HEADERS, tags: { step: "register" } });
  check(registered, { "register 201": (r) => r.status === 201 });
  const login = http.post(`${BASE}/auth/login`, JSON.stringify({ login: username, password }), {
    headers: JSON_HEADERS,
    tags: { step: "login" },
  });
  if (!check(login, { "login 200": (r) => r.status === 200 })) return;
  const tokens = login.json();
  const me = http.get(`${BASE}/auth/me`, { ...auth(tokens.access_token), tags: { step: "me" } });
  check(me, { "me 200": (r) => r.status === 200 && r.json("username") === username });
  const refreshed = http.post(`${BASE}/auth/refresh`, JSON.stringify({ refresh_token: tokens.refresh_token }), {
    headers: JSON_HEADERS,
    tags: { step: "refresh" },
  });
  check(refreshed, { "refresh 200": (r) => r.status === 200 });
}
