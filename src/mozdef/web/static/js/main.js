// The entry point of every page: picks the page's module by the path, checks who
// is logged in, draws the header and hands the page its <main>.
//
// Each page module exports `render(main, context)`; context = {me, params, live},
// `params` holding the parts of the path (an alert's or a case's id).

import { hasRole, post, whoami } from "./api.js";
import { el, errorText, notice, replace } from "./dom.js";
import { live } from "./live.js";

const ROUTES = [
  [/^\/login$/, "login", []],
  [/^\/alerts$/, "alerts", []],
  [/^\/alerts\/([^/]+)$/, "alert", ["id"]],
  [/^\/search$/, "search", []],
  [/^\/incidents$/, "incidents", []],
  [/^\/incidents\/([^/]+)$/, "incident", ["id"]],
  [/^\/investigations$/, "investigations", []],
  [/^\/investigations\/([^/]+)$/, "investigation", ["id"]],
  [/^\/blocklist$/, "blocklist", []],
  [/^\/watchlist$/, "watchlist", []],
  [/^\/rules$/, "rules", []],
  [/^\/health$/, "health", []],
  [/^\/metrics$/, "metrics", []],
  [/^\/audit$/, "audit", []],
];

const NAV = [
  ["/alerts", "Alerts"],
  ["/search", "Search"],
  ["/incidents", "Incidents"],
  ["/investigations", "Investigations"],
  ["/blocklist", "Block list"],
  ["/watchlist", "Watch list"],
  ["/rules", "Rules"],
  ["/health", "Health"],
  ["/metrics", "Metrics"],
  ["/audit", "Audit log", "admin"],
];

function route(pathname) {
  for (const [pattern, name, keys] of ROUTES) {
    const found = pattern.exec(pathname);
    if (!found) continue;
    const params = {};
    keys.forEach((key, index) => {
      params[key] = decodeURIComponent(found[index + 1]);
    });
    return { name, params };
  }
  return null;
}

function header(me) {
  const current = "/" + location.pathname.split("/")[1];
  const status = el("span", { class: "live-state", id: "live-state" }, "connecting");
  live.onState((connected) => {
    status.textContent = connected ? "live" : "offline: polling";
    status.classList.toggle("up", connected);
  });
  const logout = el("button", { type: "button", class: "link", onclick: () => logOut() }, "Log out");
  return [
    el("a", { class: "brand", href: "/alerts" }, "MozDef"),
    el(
      "nav",
      {},
      NAV.filter(([, , role]) => !role || hasRole(me, role)).map(([href, label]) =>
        el("a", { href, "aria-current": href === current ? "page" : null }, label),
      ),
    ),
    el("span", { class: "who" }, status, " ", el("span", { id: "user" }, `${me.user} (${me.role})`), " ", logout),
  ];
}

async function logOut() {
  try {
    await post("/api/v1/auth/logout");
  } finally {
    location.assign("/login");
  }
}

async function start() {
  const main = document.getElementById("main");
  const top = document.getElementById("top");
  const found = route(location.pathname);
  if (!found) {
    replace(main, notice("error", `No page at ${location.pathname}`));
    return;
  }
  try {
    const module = await import(`./pages/${found.name}.js`);
    if (found.name === "login") {
      await module.render(main, { params: found.params });
      return;
    }
    const me = await whoami();
    replace(top, header(me));
    live.start();
    document.title = `${module.title || found.name} · MozDef`;
    await module.render(clearMain(main), { me, params: found.params, live });
  } catch (error) {
    replace(main, notice("error", `This page could not be shown: ${errorText(error)}`));
  }
}

function clearMain(main) {
  replace(main);
  return main;
}

start();
