// The list of incidents or of investigations, with filters in the URL (status,
// phase, veris, assignee, q, offset), a form to open a new one and, for
// investigations, promotion to an incident.

import { get, hasRole, post } from "./api.js";
import { PHASES } from "./casefields.js";
import { el, errorText, fmtTime, notice, path, replace, select, table } from "./dom.js";
import { live, pollWhileDown } from "./live.js";

const LIMIT = 50;
const NAMES = {
  incidents: { one: "incident", title: "Incidents", topic: "incident.changed" },
  investigations: { one: "investigation", title: "Investigations", topic: "investigation.changed" },
};

function readFilters(kind) {
  const query = new URLSearchParams(location.search);
  const keys = kind === "incidents" ? ["status", "phase", "veris", "assignee", "q"] : ["status", "assignee", "q"];
  const filters = Object.fromEntries(keys.map((key) => [key, query.get(key) || ""]));
  filters.offset = Number(query.get("offset") || 0) || 0;
  return filters;
}

export class CaseList {
  constructor(main, { me, kind }) {
    this.main = main;
    this.me = me;
    this.kind = kind;
    this.names = NAMES[kind];
    this.filters = readFilters(kind);
    this.message = el("div", { class: "messages", id: "cases-message" });
    this.list = el("div", { id: "case-list" });
  }

  async start() {
    replace(
      this.main,
      el("h1", {}, this.names.title),
      hasRole(this.me, "analyst") ? this.newForm() : null,
      this.filterForm(),
      this.message,
      this.list,
    );
    live.on(this.names.topic, () => this.load());
    pollWhileDown(() => this.load());
    await this.load();
  }

  newForm() {
    const summary = el("input", { name: "summary", id: "new-case-summary", placeholder: `Summary of the new ${this.names.one}`, size: 50, required: true });
    const form = el("form", { class: "new-case", id: "new-case" }, summary, el("button", { type: "submit" }, `Open ${this.names.one}`));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const made = await post(`/api/v1/${this.kind}`, { summary: summary.value });
        location.assign(`/${this.kind}/${encodeURIComponent(made.id)}`);
      } catch (error) {
        replace(this.message, notice("error", errorText(error)));
      }
    });
    return form;
  }

  filterForm() {
    const f = this.filters;
    const fields = [
      el("label", {}, "Status", select({ name: "status" }, [["", "any"], "open", "closed"], f.status)),
      "phase" in f ? el("label", {}, "Phase", select({ name: "phase" }, [["", "any"], ...PHASES], f.phase)) : null,
      "veris" in f ? el("label", {}, "VERIS", el("input", { name: "veris", value: f.veris, placeholder: "action.hacking", size: 18 })) : null,
      el("label", {}, "Assignee", el("input", { name: "assignee", value: f.assignee, size: 12 })),
      el("label", { class: "grow" }, "Text", el("input", { name: "q", value: f.q })),
      el("button", { type: "submit" }, "Filter"),
    ];
    const form = el("form", { class: "filters" }, fields);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.go({ ...Object.fromEntries(new FormData(form).entries()), offset: 0 });
    });
    return form;
  }

  go(filters) {
    this.filters = { ...this.filters, ...filters };
    history.pushState(null, "", path(`/${this.kind}`, { ...this.filters, offset: this.filters.offset || "" }));
    this.load();
  }

  async load() {
    try {
      const page = await get(`/api/v1/${this.kind}`, { ...this.filters, limit: LIMIT });
      this.draw(page);
    } catch (error) {
      replace(this.message, notice("error", `The list could not be read: ${errorText(error)}`));
    }
  }

  draw(page) {
    const investigations = this.kind === "investigations";
    const headers = ["Summary", "Status", investigations ? null : "Phase", "Assignee", "Opened", "Last change", investigations ? "" : "VERIS"];
    const rows = page.cases.map((found) =>
      el(
        "tr",
        { "data-id": found.id },
        el("td", {}, el("a", { href: `/${this.kind}/${encodeURIComponent(found.id)}` }, found.summary)),
        el("td", {}, found.status),
        investigations ? null : el("td", {}, found.phase),
        el("td", {}, found.assignee || ""),
        el("td", { class: "nowrap" }, fmtTime(found.opened)),
        el("td", { class: "nowrap" }, fmtTime(found.updated)),
        el("td", {}, investigations ? this.promoteButton(found) : (found.veris || []).join(", ")),
      ),
    );
    const pager = el(
      "p",
      { class: "pager" },
      `${page.total} in all; ${page.offset + 1}–${page.offset + page.cases.length} shown. `,
      page.offset > 0 ? el("button", { type: "button", onclick: () => this.go({ offset: Math.max(0, page.offset - LIMIT) }) }, "Previous") : null,
      page.offset + page.cases.length < page.total ? el("button", { type: "button", onclick: () => this.go({ offset: page.offset + LIMIT }) }, "Next") : null,
    );
    replace(
      this.list,
      page.cases.length ? table(headers.filter((header) => header !== null), rows, { class: "cases", id: "cases-table" }) : el("p", { class: "muted" }, `No ${this.names.one} matches.`),
      pager,
    );
  }

  promoteButton(found) {
    if (!hasRole(this.me, "analyst")) return "";
    return el("button", { type: "button", class: "promote", onclick: () => this.promote(found.id) }, "Promote");
  }

  async promote(id) {
    try {
      const made = await post(`/api/v1/investigations/${encodeURIComponent(id)}/promote`);
      replace(this.message, notice("ok", "Promoted: "), el("a", { href: `/incidents/${encodeURIComponent(made.id)}` }, made.summary));
      await this.load();
    } catch (error) {
      replace(this.message, notice("error", `Not promoted: ${errorText(error)}`));
    }
  }
}
