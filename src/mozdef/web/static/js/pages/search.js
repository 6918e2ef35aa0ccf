// /search?q=...&start=...&end=...&cols=...: the event search. The URL is the
// search: loading it runs it, so a search can be linked, reloaded or saved.
//
// One POST to the search API gives the first page of hits and a date_histogram of
// the matches; "More" reads the next page. Columns are chosen among the fields of
// the hits; each hit's whole JSON shows as text under its row. Results export to
// CSV (the chosen columns) or JSON (whole events), built in the browser.

import { post } from "../api.js";
import { cellText, el, errorText, fmtTime, jsonBlock, notice, path, replace, table } from "../dom.js";
import { download, toCsv, toJson, valueAt } from "../exporting.js";
import { fillBuckets, histogram, pickInterval } from "../histogram.js";
import { forgetSearch, saveSearch, savedSearches } from "../saved.js";
import { resolveRange, timePicker } from "../timerange.js";

export const title = "Search";
const PAGE_SIZE = 100;
const DEFAULT_COLUMNS = ["utctimestamp", "category", "hostname", "summary"];
const TIME_FIELDS = new Set(["utctimestamp", "receivedtimestamp", "timestamp"]);

export function readSearch(search = location.search) {
  const query = new URLSearchParams(search);
  const cols = (query.get("cols") || "").split(",").filter(Boolean);
  return {
    q: query.get("q") || "",
    start: query.get("start") || "24h",
    end: query.get("end") || "",
    cols: cols.length ? cols : DEFAULT_COLUMNS,
  };
}

export function searchPath(state) {
  const cols = state.cols.join(",") === DEFAULT_COLUMNS.join(",") ? "" : state.cols.join(",");
  return path("/search", { q: state.q, start: state.start, end: state.end, cols });
}

// The fields of `hits`, for the column picker: top-level names, and one level into objects.
export function fieldsOf(hits) {
  const found = new Set();
  for (const hit of hits) {
    for (const [name, value] of Object.entries(hit._source || {})) {
      if (value && typeof value === "object" && !Array.isArray(value)) {
        for (const inner of Object.keys(value)) found.add(`${name}.${inner}`);
      } else {
        found.add(name);
      }
    }
  }
  return [...found].sort();
}

class SearchPage {
  constructor(main) {
    this.main = main;
    this.state = readSearch();
    this.hits = [];
    this.total = 0;
    // Indices of the hits whose JSON is open, kept when the columns change.
    this.expanded = new Set();
    this.message = el("div", { class: "messages", id: "search-message" });
    this.chart = el("div", { id: "search-histogram" });
    this.columns = el("details", { class: "columns", id: "column-picker" });
    this.results = el("div", { id: "search-results" });
    this.more = el("div");
    this.saved = el("div", { class: "saved", id: "saved-searches" });
  }

  start() {
    window.addEventListener("popstate", () => {
      this.state = readSearch();
      this.show();
    });
    return this.show();
  }

  show() {
    replace(this.main, el("h1", {}, "Search"), this.form(), this.saved, this.message, this.chart, this.toolbar(), this.columns, this.results, this.more);
    this.drawSaved();
    return this.run();
  }

  form() {
    const query = el("input", { name: "q", id: "search-query", value: this.state.q, class: "query", placeholder: "Lucene query, e.g. category:authentication AND details.success:false" });
    const picker = timePicker(this.state.start, this.state.end);
    const form = el("form", { class: "search-form", id: "search-form" }, query, picker.node, el("button", { type: "submit" }, "Search"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.go({ ...this.state, q: query.value, ...picker.read() });
    });
    return form;
  }

  go(state) {
    this.state = state;
    history.pushState(null, "", searchPath(state));
    this.show();
  }

  toolbar() {
    const name = el("input", { id: "save-name", placeholder: "Name", size: 16 });
    const save = el("button", { type: "button", id: "save-search", onclick: () => {
      if (!name.value.trim()) return;
      saveSearch({ name: name.value.trim(), ...this.state });
      name.value = "";
      this.drawSaved();
    } }, "Save search");
    const exportCsv = el("button", { type: "button", id: "export-csv", onclick: () => download(this.fileName("csv"), toCsv(this.hits, this.state.cols), "text/csv") }, "Export CSV");
    const exportJson = el("button", { type: "button", id: "export-json", onclick: () => download(this.fileName("json"), toJson(this.hits), "application/json") }, "Export JSON");
    return el("div", { class: "toolbar" }, name, save, " ", exportCsv, exportJson);
  }

  fileName(extension) {
    return `mozdef-search-${new Date().toISOString().replace(/[:.]/g, "-")}.${extension}`;
  }

  drawSaved() {
    const entries = savedSearches();
    replace(
      this.saved,
      entries.length ? el("span", { class: "muted" }, "Saved: ") : null,
      entries.map((entry) =>
        el(
          "span",
          { class: "saved-entry" },
          el("a", { href: searchPath({ ...entry, cols: Array.isArray(entry.cols) ? entry.cols : DEFAULT_COLUMNS }) }, entry.name),
          el("button", { type: "button", class: "link", title: "Forget", onclick: () => {
            forgetSearch(entry.name);
            this.drawSaved();
          } }, "×"),
        ),
      ),
    );
  }

  async run() {
    const [startMs, endMs] = resolveRange(this.state.start, this.state.end);
    const [interval, intervalMs] = pickInterval(startMs, endMs);
    replace(this.results, el("p", { class: "muted" }, "Searching…"));
    replace(this.message);
    try {
      const answer = await post("/api/v1/events/search", {
        ...this.request(),
        size: PAGE_SIZE,
        aggs: { over_time: { date_histogram: { field: "utctimestamp", fixed_interval: interval, min_doc_count: 0 } } },
      });
      this.hits = answer.hits;
      this.total = answer.total;
      this.expanded.clear();
      const buckets = answer.aggregations && answer.aggregations.over_time ? answer.aggregations.over_time.buckets : [];
      replace(this.chart, histogram(fillBuckets(buckets, startMs, endMs, intervalMs), intervalMs, (from, to) => this.zoom(from, to)));
      this.draw();
    } catch (error) {
      replace(this.results);
      replace(this.chart);
      replace(this.message, notice("error", `Search failed: ${errorText(error)}`));
    }
  }

  request() {
    return { q: this.state.q, start: this.state.start, end: this.state.end || undefined };
  }

  zoom(from, to) {
    this.go({ ...this.state, start: new Date(from).toISOString(), end: new Date(to).toISOString() });
  }

  async loadMore() {
    try {
      const answer = await post("/api/v1/events/search", { ...this.request(), size: PAGE_SIZE, from: this.hits.length });
      this.hits = this.hits.concat(answer.hits);
      this.draw();
    } catch (error) {
      replace(this.message, notice("error", `More results could not be read: ${errorText(error)}`));
    }
  }

  draw() {
    this.drawColumns();
    const cols = this.state.cols;
    const rows = this.hits.map((hit, index) => {
      const shown = jsonBlock(hit._source);
      const holder = el("tr", { class: "event-json", hidden: !this.expanded.has(index) }, el("td", { colspan: cols.length + 1 }, shown));
      const toggle = el("button", { type: "button", class: "link show-json", onclick: () => {
        holder.hidden = !holder.hidden;
        if (holder.hidden) this.expanded.delete(index);
        else this.expanded.add(index);
      } }, "JSON");
      const cells = cols.map((column) => {
        const value = valueAt(hit._source, column);
        return el("td", { class: column === "summary" ? "wide" : null }, TIME_FIELDS.has(column) ? fmtTime(value) : cellText(value));
      });
      return [el("tr", { class: "event", "data-index": index, "data-id": hit._id }, cells, el("td", {}, toggle)), holder];
    });
    replace(
      this.results,
      el("p", { id: "search-total" }, `${this.total} events match; ${this.hits.length} shown.`),
      this.hits.length ? table([...cols, ""], rows, { class: "events", id: "events-table" }) : null,
    );
    const more = this.hits.length < this.total;
    replace(this.more, more ? el("button", { type: "button", id: "search-more", onclick: () => this.loadMore() }, "More") : null);
  }

  drawColumns() {
    const known = new Set([...fieldsOf(this.hits), ...this.state.cols]);
    const boxes = [...known].sort().map((field) => {
      const box = el("input", { type: "checkbox", value: field, checked: this.state.cols.includes(field) });
      box.addEventListener("change", () => {
        const cols = box.checked ? [...this.state.cols, field] : this.state.cols.filter((one) => one !== field);
        this.state = { ...this.state, cols: cols.length ? cols : DEFAULT_COLUMNS };
        history.replaceState(null, "", searchPath(this.state));
        this.draw();
      });
      return el("label", { class: "column" }, box, ` ${field}`);
    });
    const open = this.columns.open;
    replace(this.columns, el("summary", {}, "Columns"), el("div", { class: "column-list" }, boxes));
    this.columns.open = open;
  }
}

export async function render(main) {
  await new SearchPage(main).start();
}
