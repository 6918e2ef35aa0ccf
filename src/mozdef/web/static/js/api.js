// The REST API as the pages call it: JSON in and out, the session cookie, and the
// CSRF token (from /api/v1/auth/me or the login answer) in X-CSRF-Token on every
// request that changes something. A 401 sends the browser to the login page.

let csrfToken = null;

export class ApiError extends Error {
  constructor(status, body) {
    const detail = body && body.error ? body.error : null;
    super(detail && detail.message ? detail.message : `the server answered ${status}`);
    this.status = status;
    this.type = detail ? detail.type : null;
    this.body = body;
  }
}

export function loginPath(next = location.pathname + location.search) {
  return `/login?next=${encodeURIComponent(next)}`;
}

export function toLogin() {
  location.assign(loginPath());
}

export function setCsrfToken(token) {
  csrfToken = token;
}

// Who is logged in: {user, role, via, csrf_token}; sends to the login page when nobody.
export async function whoami() {
  const me = await request("GET", "/api/v1/auth/me");
  setCsrfToken(me.csrf_token);
  return me;
}

const RANKS = { viewer: 1, analyst: 2, admin: 3 };

export function hasRole(me, role) {
  return (RANKS[me && me.role] || 0) >= RANKS[role];
}

export async function request(method, url, { params, body, redirect = true } = {}) {
  const headers = { Accept: "application/json" };
  if (method !== "GET" && method !== "HEAD" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  const init = { method, headers, credentials: "same-origin" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const answer = await fetch(withParams(url, params), init);
  const parsed = await readBody(answer);
  if (answer.status === 401 && redirect) toLogin();
  if (!answer.ok) throw new ApiError(answer.status, parsed);
  return parsed;
}

function withParams(url, params) {
  if (!params) return url;
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    for (const one of Array.isArray(value) ? value : [value]) query.append(name, String(one));
  }
  const text = query.toString();
  return text ? `${url}?${text}` : url;
}

async function readBody(answer) {
  const type = answer.headers.get("content-type") || "";
  if (answer.status === 204) return null;
  if (type.includes("application/json")) {
    try {
      return await answer.json();
    } catch {
      return null;
    }
  }
  return await answer.text();
}

export const get = (url, params) => request("GET", url, { params });
export const post = (url, body = {}) => request("POST", url, { body });
export const patch = (url, body) => request("PATCH", url, { body });
export const remove = (url) => request("DELETE", url);
