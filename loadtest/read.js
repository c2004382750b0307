// Reads: project lists, single projects, search and suggestions, by VUS virtual users
// (default 32) for DURATION. setup() creates PROJECTS projects (default 300) with a
// known vocabulary. Fails when more than 1 % of requests fail or p95 ≥ 20 ms (issue
// 17's aim) / p99 ≥ 100 ms (BENCHMARKS.md: p95 9.5 ms on a 2-core VM, 2026-12-06; a
// slower VM, where k6 itself takes most of the cores, measured 48 ms).
//
// k6 run -e BASE_URL=http://127.0.0.1:8080 loadtest/read.js
import http from "k6/http";
import { check, sleep } from "k6";
import { BASE, auth, login } from "./lib.js";

// Bodies only checked by status are not handed to JavaScript (k6 docs: responseType
// "none" spares the load generator the copy and its garbage collection).
const STATUS_ONLY = { responseType: "none" };
const WORDS = ["ceramic", "bronze", "harbour", "portrait", "textile", "mural", "night", "studio"];

export const options = {
  scenarios: {
    readers: { executor: "constant-vus", vus: Number(__ENV.VUS || 32), duration: __ENV.DURATION || "30s" },
  },
  summaryTrendStats: ["avg", "p(50)", "p(95)", "p(99)", "max"],
  thresholds: {
    http_req_failed: ["rate<0.01"],
    "http_req_duration{scenario:readers}": ["p(95)<20", "p(99)<100"],
  },
};

export function setup() {
  const run = __ENV.RUN || `${Date.now()}`;
  const tokens = login(`reader${run}`, "reader-password-1", true);
  const ids = [];
  for (let i = 0; i < Number(__ENV.PROJECTS || 300); i++) {
    const title = `${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]} ${i}`;
    const body = JSON.stringify({ title, description: `study ${i}`, tags: [WORDS[i % 3]] });
    const res = http.post(`${BASE}/projects`, body, auth(tokens.access_token));
    if (res.status === 201) ids.push(res.json("id"));
  }
  sleep(1); // let the index catch up
  return { ids };
}

export default function (data) {
  const word = WORDS[Math.floor(Math.random() * WORDS.length)];
  const id = data.ids[Math.floor(Math.random() * data.ids.length)];
  const page = 1 + Math.floor(Math.random() * 10);
  const replies = http.batch([
    ["GET", `${BASE}/projects?page=${page}&size=20`, null, STATUS_ONLY],
    ["GET", `${BASE}/projects/${id}`, null, STATUS_ONLY],
    ["GET", `${BASE}/search?query=${word}&size=20`],
    ["GET", `${BASE}/search/suggest?query=${word.slice(0, 3)}`, null, STATUS_ONLY],
  ]);
  check(replies[0], { "list 200": (r) => r.status === 200 });
  check(replies[1], { "project 200": (r) => r.status === 200 });
  check(replies[2], { "search 200 with hits": (r) => r.status === 200 && r.json("total") > 0 });
  check(replies[3], { "suggest 200": (r) => r.status === 200 });
}
