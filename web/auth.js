// The signed-in session in the browser: tokens kept in localStorage (so a reload
// stays signed in; the strict CSP is what keeps scripts of others away from it),
// every authenticated call retried once after a silent refresh when the access
// token has expired, was revoked for a role change, or is otherwise refused.
const KEY = "troupe.session";

export function session() {
  try {
    return JSON.parse(localStorage.getItem(KEY)) || null;
  } catch {
    return null;
  }
}

function keep(tokens, user) {
  const previous = session();
  const next = {
    access: tokens.access_token,
    refresh: tokens.refresh_token,
    user: user || tokens.user || (previous && previous.user),
  };
  localStorage.setItem(KEY, JSON.stringify(next));
  return next;
}

export function forget() {
  localStorage.removeItem(KEY);
}

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => null);
  if (!response.ok) throw problem(response.status, answer);
  return answer;
}

export function problem(status, body) {
  const error = new Error((body && body.detail) || `HTTP ${status}`);
  error.status = status;
  error.code = body && body.code;
  error.fields = body && body.errors;
  error.body = body;
  return error;
}

export async function login(name, password) {
  return keep(await post("/auth/login", { login: name, password }));
}

export async function register(account) {
  await post("/auth/register", account);
  return login(account.username, account.password);
}

export async function logout() {
  const current = session();
  forget();
  if (current) await post("/auth/logout", { refresh_token: current.refresh }).catch(() => null);
}

let refreshing = null;
/** One refresh at a time; concurrent callers share it. */
async function refresh() {
  const current = session();
  if (!current) throw problem(401, { detail: "not signed in" });
  refreshing ||= post("/auth/refresh", { refresh_token: current.refresh })
    .then((tokens) => keep(tokens))
    .catch((error) => {
      forget();
      throw error;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** The response to a call with the access token; a 401 refreshes once and tries
 * again. For answers read as they come (a stream); `authed` reads JSON. */
export async function authedResponse(path, options = {}) {
  const attempt = async () => {
    const current = session();
    if (!current) throw problem(401, { detail: "not signed in" });
    const headers = { accept: "application/json", ...(options.headers || {}), authorization: `Bearer ${current.access}` };
    return fetch(path, { ...options, headers });
  };
  const response = await attempt();
  if (response.status !== 401) return response;
  await refresh();
  return attempt();
}

/** A call with the access token, its JSON answer, or its problem thrown. */
export async function authed(path, options = {}) {
  const response = await authedResponse(path, options);
  if (response.status === 204) return null;
  const body = await response.json().catch(() => null);
  if (!response.ok) throw problem(response.status, body);
  return body;
}

/** An upload with progress (fetch reports none): XMLHttpRequest, after a refresh
 * if the token is about to be refused. `onProgress` gets 0…1. */
export function uploadFile(file, projectId, onProgress) {
  const send = (token) =>
    new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open("POST", "/media/upload");
      request.setRequestHeader("authorization", `Bearer ${token}`);
      request.setRequestHeader("accept", "application/json");
      request.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      });
      request.addEventListener("load", () => {
        let body = null;
        try {
          body = JSON.parse(request.responseText);
        } catch {
          body = null;
        }
        if (request.status >= 200 && request.status < 300) resolve(body);
        else reject(problem(request.status, body));
      });
      request.addEventListener("error", () => reject(problem(0, { detail: "the upload was interrupted" })));
      const form = new FormData();
      form.append("file", file);
      if (projectId) form.append("project_id", projectId);
      request.send(form);
    });
  const current = session();
  if (!current) return Promise.reject(problem(401, { detail: "not signed in" }));
  return send(current.access).catch(async (error) => {
    if (error.status !== 401) throw error;
    const renewed = await refresh();
    return send(renewed.access);
  });
}
