// /alerts: the live alert list, with filters in the URL (status, severity,
// category, rule, q, start), counts by severity and by category (each a filter), the
// alerts of the time filter over time by severity and by category, and bulk
// acknowledge / close.
//
// New and changed alerts come over the live feed (alert.created, alert.updated,
// alert.status) and show at once when they pass the filters this page can check
// (status, severity, category, rule); the list is then read again from the API,
// which decides for the text and time filters. While the feed is down the list is
// read every 5 seconds.

import {
  ACTION_LABELS,
  OPEN_STATUSES,
  SEVERITIES,
  STATUSES,
  alertPath,
  changeStatus,
  severityBadge,
  statusBadge,
} from "../alertview.js";
import { get, hasRole } from "../api.js";
import { stackedColumns } from "../charts.js";
import { debounce, el, errorText, fmtTime, notice, path, replace, select, table } from "../dom.js";
import { live, pollWhileDown } from "../live.js";

export const title = "Alerts";
const PAGE_SIZE = 200;
// How long an alert heard live is shown while the API may not have it yet
// (alerts become searchable at the store's next commit).
const LIVE_HOLD_MS = 15000;
const TIMES = [
  ["1h", "last hour"],
  ["24h", "last 24 hours"],
  ["7d", "last 7 days"],
  ["30d", "last 30 days"],
  ["all", "any time"],
];
const STATUS_CHOICES = [
  ["open", "open (new, acknowledged, escalated)"],
  ...STATUSES.map((status) => [status, status]),
  ["any", "any status"],
];

export function readFilters(search = location.search) {
  const query = new URLSearchParams(search);
  return {
    status: query.get("status") || "open",
    severity: query.get("severity") || "",
    category: query.get("category") || "",
    rule: query.get("rule") || "",
    q: query.get("q") || "",
    start: query.get("start") || "7d",
  };
}

function statusList(filters) {
  if (filters.status === "any") return [];
  if (filters.status === "open") return OPEN_STATUSES;
  return filters.status.split(",");
}

function apiParams(filters, extra = {}) {
  return {
    status: statusList(filters).join(",") || undefined,
    severity: filters.severity,
    category: filters.category,
    rule: filters.rule,
    q: filters.q,
    start: filters.start === "all" ? undefined : filters.start,
    // An explicit end: a start alone is refused by some stores.
    end: filters.start === "all" ? undefined : "now",
    size: PAGE_SIZE,
    ...extra,
  };
}

function listed(value) {
  return value
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
}

// Whether an alert heard live passes the filters the page can check itself.
function passes(alert, filters) {
  const statuses = statusList(filters);
  if (statuses.length && !statuses.includes(alert.status)) return false;
  const severities = listed(filters.severity).map((one) => one.toUpperCase());
  if (severities.length && !severities.includes(alert.severity)) return false;
  const categories = listed(filters.category);
  if (categories.length && !categories.includes(alert.category)) return false;
  const rules = listed(filters.rule);
  return !(rules.length && !rules.includes(alert.rule_id));
}

class AlertList {
  constructor(main, me) {
    this.main = main;
    this.me = me;
    this.filters = readFilters();
    this.fetched = [];
    this.total = 0;
    this.heard = new Map();
    this.fresh = new Set();
    this.selected = new Set();
    this.counts = el("div", { class: "counts", id: "severity-counts" });
    this.categories = el("div", { class: "counts", id: "category-counts" });
    this.overTime = el("div", { class: "breakdowns", id: "alerts-over-time" });
    this.message = el("div", { class: "messages" });
    this.list = el("div", { id: "alert-list" });
    this.footer = el("p", { class: "muted", id: "alert-total" });
    this.reloadSoon = debounce(() => this.load(), 1500);
  }

  start() {
    for (const topic of ["alert.created", "alert.updated", "alert.status"]) {
      live.on(topic, (payload) => this.heardAlert(payload, topic));
    }
    live.on("reconnected", () => this.load());
    live.on("dropped", () => this.load());
    pollWhileDown(() => this.load());
    window.addEventListener("popstate", () => {
      this.filters = readFilters();
      this.show();
    });
    return this.show();
  }

  show() {
    replace(
      this.main,
      el("h1", {}, "Alerts"),
      this.filterForm(),
      this.counts,
      this.categories,
      this.overTime,
      hasRole(this.me, "analyst") ? this.bulkBar() : null,
      this.message,
      this.list,
      this.footer,
    );
    return this.load();
  }

  filterForm() {
    const f = this.filters;
    const form = el(
      "form",
      { class: "filters", id: "alert-filters" },
      el("label", {}, "Status", select({ name: "status" }, STATUS_CHOICES, f.status)),
      el(
        "label",
        {},
        "Severity",
        select({ name: "severity" }, [["", "any"], ...SEVERITIES.map((s) => [s, s])], f.severity),
      ),
      el("label", {}, "Category", el("input", { name: "category", value: f.category, size: 12 })),
      el("label", {}, "Rule", el("input", { name: "rule", value: f.rule, size: 14 })),
      el("label", {}, "Time", select({ name: "start" }, TIMES, f.start)),
      el("label", { class: "grow" }, "Text", el("input", { name: "q", value: f.q, placeholder: "Lucene over the alert's fields" })),
      el("button", { type: "submit" }, "Filter"),
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const data = new FormData(form);
      this.applyFilters(Object.fromEntries(data.entries()));
    });
    return form;
  }

  applyFilters(filters) {
    this.filters = { ...this.filters, ...filters };
    const f = this.filters;
    history.pushState(null, "", path("/alerts", {
      status: f.status === "open" ? "" : f.status,
      severity: f.severity,
      category: f.category,
      rule: f.rule,
      q: f.q,
      start: f.start === "7d" ? "" : f.start,
    }));
    this.heard.clear();
    this.selected.clear();
    this.show();
  }

  bulkBar() {
    const all = el("input", { type: "checkbox", id: "select-all", "aria-label": "Select all" });
    all.addEventListener("change", () => {
      for (const alert of this.rows()) {
        if (all.checked) this.selected.add(alert.id);
        else this.selected.delete(alert.id);
      }
      this.draw();
    });
    const button = (action) =>
      el("button", { type: "button", id: `bulk-${action}`, onclick: () => this.bulk(action) }, `${ACTION_LABELS[action]} selected`);
    return el("div", { class: "bulk" }, el("label", {}, all, " all shown"), button("ack"), button("close"));
  }

  async bulk(action) {
    const ids = [...this.selected];
    if (!ids.length) {
      replace(this.message, notice("error", "Select alerts first."));
      return;
    }
    const outcomes = await Promise.allSettled(ids.map((id) => changeStatus(id, action)));
    const failed = outcomes
      .map((outcome, index) => [outcome, ids[index]])
      .filter(([outcome]) => outcome.status === "rejected");
    const done = ids.length - failed.length;
    const lines = [notice("ok", `${ACTION_LABELS[action]}: ${done} of ${ids.length} alerts changed.`)];
    for (const [outcome, id] of failed) lines.push(notice("error", `${id}: ${errorText(outcome.reason)}`));
    replace(this.message, lines);
    this.selected.clear();
    for (const outcome of outcomes) {
      if (outcome.status === "fulfilled") this.heardAlert(outcome.value, "alert.status");
    }
    this.reloadSoon();
  }

  async load() {
    const started = Date.now();
    try {
      const page = await get("/api/v1/alerts", apiParams(this.filters));
      this.fetched = page.alerts;
      this.total = page.total;
      for (const [id, item] of this.heard) {
        if (item.at < started - LIVE_HOLD_MS) this.heard.delete(id);
      }
      this.draw();
      await Promise.all([this.loadCounts(), this.loadOverTime()]);
    } catch (error) {
      replace(this.message, notice("error", `The alerts could not be read: ${errorText(error)}`));
    }
  }

  async loadCounts() {
    const asked = SEVERITIES.map((severity) =>
      get("/api/v1/alerts", apiParams(this.filters, { severity, size: 0 })).then((page) => [severity, page.total]),
    );
    const counts = await Promise.all(asked);
    replace(
      this.counts,
      counts.map(([severity, total]) =>
        el(
          "button",
          { type: "button", class: "count", "data-severity": severity, onclick: () => this.applyFilters({ severity }) },
          severityBadge(severity),
          " ",
          el("span", { class: "number" }, String(total)),
        ),
      ),
    );
  }

  // The alerts of the time and text filters per bucket, by severity and by category
  // (the metrics API's series), and the categories' totals as filter buttons.
  async loadOverTime() {
    const f = this.filters;
    const params = { start: f.start === "all" ? "30d" : f.start, end: "now", top: 8 };
    if (f.q) params.q = f.q;
    let answer;
    try {
      answer = await get("/api/v1/metrics/alerts", params);
    } catch (error) {
      replace(this.overTime, notice("error", `Alerts over time could not be read: ${errorText(error)}`));
      return;
    }
    const category = answer.breakdowns.category || { top: [] };
    replace(
      this.categories,
      category.top.map((entry) =>
        el(
          "button",
          { type: "button", class: "count", "data-category": String(entry.key), onclick: () => this.applyFilters({ category: String(entry.key) }) },
          el("span", { class: "category" }, String(entry.key)),
          " ",
          el("span", { class: "number" }, String(entry.count)),
        ),
      ),
    );
    const chart = (field, heading) => {
      const found = answer.breakdowns[field] || { top: [] };
      const series = found.top.map((entry, index) => ({ name: String(entry.key), counts: entry.counts, colour: index }));
      const label = `Alerts ${heading} per ${answer.interval}`;
      return el("div", { class: "breakdown" }, el("h3", {}, `Over time ${heading}`), stackedColumns(answer.times, series, { interval: answer.interval, label, id: `alerts-by-${field}-chart` }));
    };
    replace(this.overTime, answer.total ? [chart("severity", "by severity"), chart("category", "by category")] : null);
  }

  heardAlert(alert, topic) {
    if (!alert || !alert.id) return;
    if (topic === "alert.created" && !this.known(alert.id)) this.fresh.add(alert.id);
    this.heard.set(alert.id, { alert, at: Date.now() });
    this.draw();
    this.reloadSoon();
  }

  known(id) {
    return this.fetched.some((alert) => alert.id === id);
  }

  // The fetched alerts with what was heard live since laid over them.
  rows() {
    const merged = new Map(this.fetched.map((alert) => [alert.id, alert]));
    for (const [id, { alert }] of this.heard) {
      if (passes(alert, this.filters)) merged.set(id, { ...(merged.get(id) || {}), ...alert });
      else merged.delete(id);
    }
    return [...merged.values()].sort((a, b) => String(b.utctimestamp).localeCompare(String(a.utctimestamp)));
  }

  draw() {
    const rows = this.rows();
    const analyst = hasRole(this.me, "analyst");
    const headers = [analyst ? "" : null, "Time", "Severity", "Summary", "Category", "Rule", "Count", "Status", "Last seen"].filter(
      (header) => header !== null,
    );
    const body = rows.map((alert) => this.row(alert, analyst));
    replace(
      this.list,
      rows.length ? table(headers, body, { class: "alerts", id: "alerts-table" }) : el("p", { class: "muted", id: "no-alerts" }, "No alerts match."),
    );
    this.footer.textContent = `${rows.length} shown of ${Math.max(this.total, rows.length)} matching.`;
  }

  row(alert, analyst) {
    const box = el("input", { type: "checkbox", class: "pick", "aria-label": "Select", checked: this.selected.has(alert.id) });
    box.addEventListener("change", () => {
      if (box.checked) this.selected.add(alert.id);
      else this.selected.delete(alert.id);
    });
    return el(
      "tr",
      { "data-id": alert.id, class: this.fresh.has(alert.id) ? "fresh" : null },
      analyst ? el("td", {}, box) : null,
      el("td", { class: "nowrap" }, fmtTime(alert.utctimestamp)),
      el("td", {}, severityBadge(alert.severity)),
      el("td", {}, el("a", { href: alertPath(alert.id), class: "summary" }, String(alert.summary ?? ""))),
      el("td", {}, String(alert.category ?? "")),
      el("td", {}, String(alert.rule_id ?? "")),
      el("td", { class: "number" }, String(alert.count ?? "")),
      el("td", {}, statusBadge(alert.status)),
      el("td", { class: "nowrap" }, fmtTime(alert.last_seen)),
    );
  }
}

export async function render(main, { me }) {
  await new AlertList(main, me).start();
}
