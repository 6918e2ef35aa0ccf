// /audit: the audit log for admins, newest first, a page at a time, filtered by
// actor and action (`?actor=alice&action=incident.edit` keeps the filters in the URL).

import { get, hasRole } from "../api.js";
import { cellText, el, errorText, fmtTime, notice, replace, table } from "../dom.js";

export const title = "Audit log";
const PAGE = 100;

class AuditPage {
  constructor(main) {
    this.main = main;
    const query = new URLSearchParams(location.search);
    this.filters = { actor: query.get("actor") || "", action: query.get("action") || "" };
    this.message = el("div", { class: "messages", id: "audit-message" });
    this.list = el("div", { id: "audit-list" });
    this.more = el("div", { id: "audit-more" });
  }

  start() {
    replace(this.main, el("h1", {}, "Audit log"), this.filterForm(), this.message, this.list, this.more);
    return this.load();
  }

  filterForm() {
    const inputs = Object.entries(this.filters).map(([name, value]) =>
      el("label", {}, name === "actor" ? "Who" : "Action", el("input", { name, value })),
    );
    const form = el("form", { class: "filters", id: "audit-filters" }, inputs, el("button", { type: "submit" }, "Filter"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      for (const [name, value] of new FormData(form).entries()) this.filters[name] = String(value).trim();
      const query = new URLSearchParams(Object.entries(this.filters).filter(([, value]) => value));
      history.replaceState(null, "", query.size ? `/audit?${query}` : "/audit");
      this.load();
    });
    return form;
  }

  async load(before = null) {
    const params = { limit: PAGE };
    for (const [name, value] of Object.entries(this.filters)) if (value) params[name] = value;
    if (before) params.before = before;
    try {
      const page = await get("/api/v1/audit", params);
      this.draw(page, before !== null);
      replace(this.message);
    } catch (error) {
      replace(this.message, notice("error", `The audit log could not be read: ${errorText(error)}`));
    }
  }

  draw(page, appended) {
    const rows = page.entries.map((entry) =>
      el("tr", {}, [fmtTime(entry.at), entry.actor, entry.action, entry.target, cellText(entry.details)].map((text) => el("td", {}, text))),
    );
    const body = this.list.querySelector("tbody");
    if (appended && body) body.append(...rows);
    else replace(this.list, rows.length ? table(["When", "Who", "Action", "Target", "Details"], rows, { class: "audit", id: "audit-table" }) : el("p", { class: "muted" }, "No entries."));
    replace(this.more, page.next ? el("button", { type: "button", id: "audit-older", onclick: () => this.load(page.next) }, "Older entries") : null);
  }
}

export async function render(main, { me }) {
  if (!hasRole(me, "admin")) {
    replace(main, el("h1", {}, "Audit log"), notice("error", "The audit log is for admins."));
    return;
  }
  await new AuditPage(main).start();
}
