// Uploads: a ~1 MP PNG (fixtures/photo.png, made by fixtures/make_photo.py) at RATE
// uploads/s (default 5) for DURATION, each followed until its thumbnail is done;
// the time from the upload's answer to `done` is the `thumbnail_ready` trend. Fails
// when more than 1 % of requests fail, upload p95 ≥ 500 ms, or thumbnail_ready
// p95 ≥ 2 s / p99 ≥ 5 s.
//
// k6 run -e BASE_URL=http://127.0.0.1:8080 loadtest/upload.js
import http from "k6/http";
import { check, sleep } from "k6";
import { Trend } from "k6/metrics";
import { BASE, login } from "./lib.js";

const photo = open("./fixtures/photo.png", "b");
const thumbnailReady = new Trend("thumbnail_ready", true);

export const options = {
  scenarios: {
    uploads: {
      executor: "constant-arrival-rate",
      rate: Number(__ENV.RATE || 5),
      timeUnit: "1s",
      duration: __ENV.DURATION || "30s",
      preAllocatedVUs: 16,
      maxVUs: 64,
    },
  },
  summaryTrendStats: ["avg", "p(50)", "p(95)", "p(99)", "max"],
  thresholds: {
    http_req_failed: ["rate<0.01"],
    "http_req_duration{step:upload}": ["p(95)<500"],
    thumbnail_ready: ["p(95)<2000", "p(99)<5000"],
  },
};

export function setup() {
  const run = __ENV.RUN || `${Date.now()}`;
  return { token: login(`uploader${run}`, "uploader-password-1", true).access_token };
}

export default function (data) {
  const form = { file: http.file(photo, "photo.png", "image/png") };
  const res = http.post(`${BASE}/media/upload`, form, {
    headers: { Authorization: `Bearer ${data.token}` },
    tags: { step: "upload" },
  });
  if (!check(res, { "upload 201": (r) => r.status === 201 })) return;
  const id = res.json("id");
  const answered = Date.now();
  for (let i = 0; i < 200; i++) {
    const media = http.get(`${BASE}/media/${id}`, { tags: { step: "poll" } });
    const status = media.json("thumbnail_status");
    if (status === "done") {
      thumbnailReady.add(Date.now() - answered);
      return;
    }
    if (status !== "pending") break;
    sleep(0.05);
  }
  check(null, { "thumbnail done within 10 s": () => false });
}
