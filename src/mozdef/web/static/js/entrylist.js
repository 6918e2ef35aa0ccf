// A page over one of the list APIs (block list, watch list): a filtered page of
// entries, a form to add one, and a button to remove each (kept as removed, with
// who removed it). `config` names the API, the filters, the form's fields and the
// columns; the pages in pages/blocklist.js and pages/watchlist.js give it.

import { get, hasRole, post, remove } from "./api.js";
import { cellText, el, errorText, fmtTime, notice, path, replace, select, table } from "./dom.js";
import { live, pollWhileDown } from "./live.js";

const LIMIT = 100;
export const STATES = [["active", "active"], ["expired", "expired"], ["removed", "removed"], ["all", "all"]];
const TIME_COLUMNS = new Set(["created", "expires", "removed", "updated"]);

export class EntryList {
  constructor(main, me, config) {
    this.main = main;
    this.me = me;
    this.config = config;
    const query = new URLSearchParams(location.search);
    this.filters = Object.fromEntries(config.filters.map(([name, , , fallback]) => [name, query.get(name) || fallback || ""]));
    this.message = el("div", { class: "messages", id: "entries-message" });
    this.list = el("div", { id: "entry-list" });
  }

  async start() {
    replace(
      this.main,
      el("h1", {}, this.config.title),
      this.config.intro || null,
      hasRole(this.me, "analyst") ? this.addForm() : null,
      this.filterForm(),
      this.message,
      this.list,
    );
    if (this.config.topic) live.on(this.config.topic, () => this.load());
    pollWhileDown(() => this.load());
    await this.load();
  }

  addForm() {
    const inputs = this.config.form.map(([name, label, options]) =>
      el("label", {}, label, Array.isArray(options) ? select({ name }, options, "") : el("input", { name, ...(options || {}) })),
    );
    const form = el("form", { class: "add-entry", id: "add-entry" }, inputs, el("button", { type: "submit" }, this.config.addLabel));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = {};
      for (const [name, value] of new FormData(form).entries()) if (value !== "") body[name] = value;
      try {
        const made = await post(this.config.api, body);
        const outcome = made.outcome && made.outcome !== "added" ? ` (${made.outcome}: already covered by an active entry)` : "";
        replace(this.message, notice("ok", `${this.config.addLabel}: ${this.config.describe(made)}${outcome}.`));
        form.reset();
        await this.load();
      } catch (error) {
        replace(this.message, notice("error", `Not added: ${errorText(error)}`));
      }
    });
    return form;
  }

  filterForm() {
    const fields = this.config.filters.map(([name, label, options]) =>
      el("label", {}, label, options ? select({ name }, options, this.filters[name]) : el("input", { name, value: this.filters[name] })),
    );
    const form = el("form", { class: "filters" }, fields, el("button", { type: "submit" }, "Filter"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.filters = Object.fromEntries(new FormData(form).entries());
      history.pushState(null, "", path(location.pathname, this.filters));
      this.load();
    });
    return form;
  }

  async load() {
    try {
      const page = await get(this.config.api, { ...this.filters, limit: LIMIT });
      this.draw(page);
    } catch (error) {
      replace(this.message, notice("error", `The list could not be read: ${errorText(error)}`));
    }
  }

  draw(page) {
    const analyst = hasRole(this.me, "analyst");
    const columns = this.config.columns;
    const rows = page.entries.map((entry) =>
      el(
        "tr",
        { "data-id": entry.id, "data-value": entry[columns[0][0]] },
        columns.map(([name]) => el("td", { class: TIME_COLUMNS.has(name) ? "nowrap" : null }, TIME_COLUMNS.has(name) ? fmtTime(entry[name]) : cellText(entry[name]))),
        el("td", {}, analyst && entry.state === "active" ? el("button", { type: "button", class: "remove", onclick: () => this.remove(entry) }, this.config.removeLabel) : ""),
      ),
    );
    replace(
      this.list,
      el("p", { class: "muted" }, `${page.total} entries; ${page.entries.length} shown.`),
      rows.length ? table([...columns.map(([, label]) => label), ""], rows, { class: "entries", id: "entries-table" }) : null,
    );
  }

  async remove(entry) {
    try {
      await remove(`${this.config.api}/${encodeURIComponent(entry.id)}`);
      replace(this.message, notice("ok", `${this.config.removeLabel}: ${this.config.describe(entry)}.`));
      await this.load();
    } catch (error) {
      replace(this.message, notice("error", errorText(error)));
    }
  }
}
