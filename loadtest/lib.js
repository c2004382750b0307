// Shared by the k6 scripts: the base URL and getting a token.
import http from "k6/http";

export const BASE = __ENV.BASE_URL || "http://127.0.0.1:8080";
export const JSON_HEADERS = { "Content-Type": "application/json" };

export function auth(token) {
  return { headers: { ...JSON_HEADERS, Authorization: `Bearer ${token}` } };
}

// Logs in (registering first when `register` is set); fails the run if it cannot.
export function login(username, password, register) {
  if (register) {
    http.post(`${BASE}/auth/register`, JSON.stringify({ username, password }), { headers: JSON_HEADERS });
  }
  const res = http.post(`${BASE}/auth/login`, JSON.stringify({ login: username, password }), {
    headers: JSON_HEADERS,
  });
  if (res.status !== 200) {
    throw new Error(`login of ${username} failed: ${res.status} ${res.body}`);
  }
  return res.json();
}

// A committee-or-above token: TOKEN, or a login as ADMIN_USERNAME / ADMIN_PASSWORD.
export function staffToken() {
  if (__ENV.TOKEN) return __ENV.TOKEN;
  const user = __ENV.ADMIN_USERNAME;
  if (!user) throw new Error("set TOKEN, or ADMIN_USERNAME and ADMIN_PASSWORD");
  return login(user, __ENV.ADMIN_PASSWORD, false).access_token;
}
