// The seed flows, through a client generated from Troupe's live /openapi.json
// (openapi-typescript → generated/schema.d.ts) and openapi-fetch. Type-checked with
// `tsc --noEmit` first, so a schema change that breaks a client fails CI; then run
// against a server. Settings come from the environment (tests/api/contract.rs):
//   TROUPE_URL, TROUPE_ADMIN_USERNAME, TROUPE_ADMIN_PASSWORD, TROUPE_IMAGE (a PNG path)
import { readFileSync } from "node:fs";
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema.js";

type Problem = components["schemas"]["Problem"];

function setting(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const baseUrl = setting("TROUPE_URL");
const client = createClient<paths>({ baseUrl });
const run = Date.now().toString(36);

function step(name: string, detail: string): void {
  console.log(`ok  ${name.padEnd(28)} ${detail}`);
}

function fail(name: string, status: number, error: Problem | unknown): never {
  throw new Error(`${name}: HTTP ${status} ${JSON.stringify(error)}`);
}

function bearer(token: string) {
  return { Authorization: `Bearer ${token}` };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// register → login → refresh
const username = `client_${run}`;
const password = "client password 1";
{
  const { data, error, response } = await client.POST("/auth/register", {
    body: { username, password, email: `${username}@example.org` },
  });
  if (!data) fail("register", response.status, error);
  step("register", `user ${data.user_id} (${data.role})`);
}
const login = await client.POST("/auth/login", { body: { login: username, password } });
if (!login.data) fail("login", login.response.status, login.error);
step("login", `${login.data.token_type} token, expires in ${login.data.expires_in} s`);

const refreshed = await client.POST("/auth/refresh", {
  body: { refresh_token: login.data.refresh_token },
});
if (!refreshed.data) fail("refresh", refreshed.response.status, refreshed.error);
// A second tab refreshing the same token at once: the same successor (issue 18).
const secondTab = await client.POST("/auth/refresh", {
  body: { refresh_token: login.data.refresh_token },
});
if (secondTab.data?.refresh_token !== refreshed.data.refresh_token)
  fail("a second tab gets the same successor", secondTab.response.status, secondTab.error);
const next = await client.POST("/auth/refresh", {
  body: { refresh_token: refreshed.data.refresh_token },
});
if (!next.data) fail("refresh the successor", next.response.status, next.error);
const sessions = await client.GET("/auth/sessions", { headers: bearer(next.data.access_token) });
if (!sessions.data || sessions.data.length !== 1 || !sessions.data[0]?.current)
  fail("one current session", sessions.response.status, sessions.error);
const reused = await client.POST("/auth/refresh", {
  body: { refresh_token: login.data.refresh_token },
});
if (reused.response.status !== 401) fail("refresh reuse is refused", reused.response.status, reused.error);
step("refresh", "rotated; a second tab gets the same successor; an older generation is refused (401)");
// Reuse revokes the session (SPEC §2), so this client logs in again.
const relogin = await client.POST("/auth/login", { body: { login: username, password } });
if (!relogin.data) fail("login again", relogin.response.status, relogin.error);
const token = relogin.data.access_token;

// create project → upload an image → wait for its thumbnail
const title = `Lighthouse ${run}`;
const created = await client.POST("/projects", {
  headers: bearer(token),
  body: { title, description: "made by the generated client", tags: ["client", "night"] },
});
if (!created.data) fail("create project", created.response.status, created.error);
const project = created.data;
step("create project", `${project.id} "${project.title}"`);

const image = readFileSync(setting("TROUPE_IMAGE"));
const uploaded = await client.POST("/media/upload", {
  headers: bearer(token),
  body: { file: "lighthouse.png", project_id: project.id },
  bodySerializer: () => {
    const form = new FormData();
    form.append("file", new Blob([image], { type: "image/png" }), "lighthouse.png");
    form.append("project_id", project.id);
    return form;
  },
});
if (!uploaded.data) fail("upload", uploaded.response.status, uploaded.error);
const media = uploaded.data;
step("upload", `${media.id} ${media.mime_type}, ${media.file_size} bytes`);

let thumbnail: string | null | undefined = null;
for (let i = 0; i < 200 && !thumbnail; i++) {
  const { data, error, response } = await client.GET("/media/{id}", {
    params: { path: { id: media.id } },
  });
  if (!data) fail("media status", response.status, error);
  if (data.thumbnail_status === "failed") fail("thumbnail", 500, data);
  thumbnail = data.thumbnail_status === "done" ? data.thumbnail_url : null;
  if (!thumbnail) await sleep(100);
}
if (!thumbnail) throw new Error("thumbnail: not done within 20 s");
const thumb = await fetch(new URL(thumbnail, baseUrl));
if (thumb.status !== 200 || thumb.headers.get("content-type") !== "image/jpeg") {
  throw new Error(`thumbnail: GET ${thumbnail} answered ${thumb.status}`);
}
step("thumbnail", `${thumbnail}`);

// search
let hits = 0;
for (let i = 0; i < 100 && hits === 0; i++) {
  const { data, error, response } = await client.GET("/search", {
    params: { query: { query: `lighthouse ${run}`, tags: "night" } },
  });
  if (!data) fail("search", response.status, error);
  hits = data.results.filter((r) => r.project_id === project.id && r.thumbnail_url === thumbnail).length;
  if (hits === 0) await sleep(100);
}
if (hits === 0) throw new Error("search: the project with its thumbnail was not found within 10 s");
step("search", `found "${title}" with its thumbnail`);

// an admin makes a committee member, who checks a ticket in, re-scans it, lists attendance
const admin = await client.POST("/auth/login", {
  body: { login: setting("TROUPE_ADMIN_USERNAME"), password: setting("TROUPE_ADMIN_PASSWORD") },
});
if (!admin.data) fail("admin login", admin.response.status, admin.error);
const committeeName = `gate_${run}`;
const committee = await client.POST("/users", {
  headers: bearer(admin.data.access_token),
  body: { username: committeeName, password, role: "committee" },
});
if (!committee.data) fail("create committee member", committee.response.status, committee.error);
const gate = await client.POST("/auth/login", { body: { login: committeeName, password } });
if (!gate.data) fail("committee login", gate.response.status, gate.error);
step("committee member", `${committee.data.username} (${committee.data.role})`);

const event_id = `festival-${run}`;
const ticket_id = "TICKET-0001";
const first = await client.POST("/checkins", {
  headers: bearer(gate.data.access_token),
  body: { event_id, ticket_id },
});
if (!first.data || first.response.status !== 201) fail("check in", first.response.status, first.error);
step("check in", `${first.data.status} at ${first.data.record.checked_in_at}`);

const again = await client.POST("/checkins", {
  headers: bearer(gate.data.access_token),
  body: { event_id, ticket_id },
});
if (again.response.status !== 409 || !again.error) fail("re-scan", again.response.status, again.data);
step("re-scan", `409 ${again.error.code}`);

const attendance = await client.GET("/attendance/{event_id}", {
  headers: bearer(gate.data.access_token),
  params: { path: { event_id } },
});
if (!attendance.data) fail("attendance", attendance.response.status, attendance.error);
const tickets = attendance.data.records.map((r) => r.ticket_id);
if (tickets.length !== 1 || tickets[0] !== ticket_id) {
  throw new Error(`attendance: expected [${ticket_id}], got ${JSON.stringify(tickets)}`);
}
step("attendance", `${attendance.data.total_checkins} check-in: ${tickets.join(", ")}`);
console.log("client flow: all steps passed");
