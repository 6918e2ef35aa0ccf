// /login?next=...: the login form. After logging in the browser goes to `next`
// when it is a path of this site, else to the alerts.

import { request, setCsrfToken } from "../api.js";
import { el, errorText, notice, replace } from "../dom.js";

export const title = "Log in";
const HOME = "/alerts";

// `next` when it names a page of this origin (a relative path), else the home page.
export function safeNext(raw) {
  if (typeof raw !== "string" || !raw.startsWith("/") || raw.startsWith("//") || raw.startsWith("/\\")) {
    return HOME;
  }
  if (/[\u0000-\u001f\u007f]/.test(raw)) return HOME;
  let target;
  try {
    target = new URL(raw, location.origin);
  } catch {
    return HOME;
  }
  if (target.origin !== location.origin || target.pathname === "/login") return HOME;
  return target.pathname + target.search + target.hash;
}

export async function render(main) {
  const next = safeNext(new URLSearchParams(location.search).get("next"));
  try {
    await request("GET", "/api/v1/auth/me", { redirect: false });
    location.replace(next);
    return;
  } catch {
    // Not logged in: show the form.
  }
  const message = el("div", { id: "login-message" });
  const name = el("input", { id: "login-name", name: "name", autocomplete: "username", required: true });
  const password = el("input", {
    id: "login-password",
    name: "password",
    type: "password",
    autocomplete: "current-password",
    required: true,
  });
  const form = el(
    "form",
    { class: "login", id: "login-form" },
    el("h1", {}, "MozDef"),
    el("label", {}, "User name", name),
    el("label", {}, "Password", password),
    el("button", { type: "submit" }, "Log in"),
    message,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    replace(message);
    try {
      const answer = await request("POST", "/api/v1/auth/login", {
        body: { name: name.value, password: password.value },
        redirect: false,
      });
      setCsrfToken(answer.csrf_token);
      location.assign(next);
    } catch (error) {
      replace(message, notice("error", errorText(error)));
    }
  });
  replace(main, form);
  name.focus();
}
