// /metrics?start=7d: counts over time for reviewing what the system saw and what the
// handlers did: events by category and by source, alerts by rule and by severity
// (GET /api/v1/metrics/events and /alerts), and the incidents' figures per week (GET
// /api/v1/metrics/incidents).
//
// The range is one of RANGES and lives in the URL, so that a link or a reload shows
// the same view. Each section loads on its own: one whose API fails says so in its
// place while the others show. Categories, sources and rule ids come from events,
// that is from attackers: they are shown as text and written into links only as
// query values of this site's own pages.

import { get } from "../api.js";
import { severityBadge } from "../alertview.js";
import { shareBar, sparkline, stackedColumns, swatch } from "../charts.js";
import { el, errorText, fmtTime, notice, path, replace, table } from "../dom.js";
import { incidentView } from "../incidentmetrics.js";
import { lucenePhrase } from "../lucene.js";
import { fmtCount, fmtShare } from "../quantities.js";

export const title = "Metrics";
export const RANGES = [
  ["24h", "last 24 hours"],
  ["7d", "last 7 days"],
  ["30d", "last 30 days"],
  ["90d", "last 90 days"],
];
const DEFAULT_RANGE = "24h";
const INCIDENT_PERIOD = "week";

const searchFor = (field) => (key, range) => path("/search", { q: `${field}:${lucenePhrase(key)}`, start: range });
const alertsWith = (filter) => (key, range) => path("/alerts", { [filter]: key, status: "any", start: range });

const SERIES = [
  {
    id: "events",
    url: "/api/v1/metrics/events",
    heading: "Events",
    noun: "events",
    breakdowns: [
      { field: "category", heading: "By category", column: "Category", noun: "category", link: searchFor("category") },
      { field: "source", heading: "By source", column: "Source", noun: "source", link: searchFor("source") },
    ],
  },
  {
    id: "alerts",
    url: "/api/v1/metrics/alerts",
    heading: "Alerts",
    noun: "alerts",
    breakdowns: [
      { field: "rule_id", heading: "By rule", column: "Rule", noun: "rule", link: alertsWith("rule") },
      { field: "severity", heading: "By severity", column: "Severity", noun: "severity", link: alertsWith("severity"), show: severityBadge },
      { field: "category", heading: "By category", column: "Category", noun: "category", link: alertsWith("category") },
    ],
  },
];

// The range the URL asks for, and what is wrong with it when it is none of RANGES.
export function readRange(search = location.search) {
  const wanted = new URLSearchParams(search).get("start") || DEFAULT_RANGE;
  if (RANGES.some(([value]) => value === wanted)) return { range: wanted, problem: "" };
  const known = RANGES.map(([value]) => value).join(", ");
  return { range: DEFAULT_RANGE, problem: `The address asks for the range "${wanted}", which is none of ${known}: the last 24 hours are shown.` };
}

function keyCell(breakdown, key, range) {
  const text = breakdown.show ? breakdown.show(key) : String(key);
  return el("a", { href: breakdown.link(String(key), range) }, text);
}

function entryRow(breakdown, entry, colour, answer, range, top) {
  return el(
    "tr",
    { "data-key": String(entry.key) },
    el("td", {}, swatch(colour)),
    el("td", { class: "key" }, keyCell(breakdown, entry.key, range)),
    el("td", { class: "number" }, fmtCount(entry.count)),
    el("td", { class: "number" }, fmtShare(entry.count, answer.total)),
    el("td", {}, shareBar(entry.count, top)),
    el("td", {}, sparkline(entry.counts, colour)),
  );
}

function restRow(kind, label, count, answer, top) {
  return el(
    "tr",
    { class: `rest ${kind}` },
    el("td", {}, swatch(null)),
    el("td", { class: "muted" }, label),
    el("td", { class: "number" }, fmtCount(count)),
    el("td", { class: "number" }, fmtShare(count, answer.total)),
    el("td", {}, shareBar(count, top)),
    el("td", {}),
  );
}

function totalsTable(series, breakdown, found, answer, range) {
  const top = Math.max(1, ...found.top.map((entry) => entry.count), found.other);
  const rows = found.top.map((entry, index) => entryRow(breakdown, entry, index, answer, range, top));
  const named = found.top.reduce((sum, entry) => sum + entry.count, 0);
  const without = Math.max(answer.total - named - found.other, 0);
  if (found.other) rows.push(restRow("other", "other values", found.other, answer, top));
  if (without) rows.push(restRow("none", `without a ${breakdown.noun}`, without, answer, top));
  const id = `${series.id}-by-${breakdown.noun}`;
  if (!rows.length) return el("p", { class: "muted", id }, `No ${series.noun} in this range.`);
  return table(["", breakdown.column, series.heading, "Share", "", "Over time"], rows, { class: "totals", id });
}

function breakdownView(series, breakdown, answer, range) {
  const found = answer.breakdowns[breakdown.field] || { top: [], other: 0 };
  const lines = found.top.map((entry, index) => ({ name: String(entry.key), counts: entry.counts, colour: index }));
  const rest = answer.counts.map((count, position) => Math.max(count - lines.reduce((sum, one) => sum + (one.counts[position] || 0), 0), 0));
  if (rest.some(Boolean)) lines.push({ name: `other values or no ${breakdown.noun}`, counts: rest, colour: null });
  const label = `${series.heading} ${breakdown.heading.toLowerCase()} per ${answer.interval}`;
  return el(
    "div",
    { class: "breakdown" },
    el("h3", {}, breakdown.heading),
    answer.total ? stackedColumns(answer.times, lines, { interval: answer.interval, label, id: `${series.id}-by-${breakdown.noun}-chart` }) : null,
    totalsTable(series, breakdown, found, answer, range),
  );
}

function seriesView(series, answer, range) {
  const span = `from ${fmtTime(answer.start)} to ${fmtTime(answer.end)}, one column per ${answer.interval}`;
  return [
    el("h2", {}, series.heading),
    el("p", { class: "muted", id: `${series.id}-total` }, `${fmtCount(answer.total)} ${series.noun} ${span}.`),
    el("div", { class: "breakdowns" }, series.breakdowns.map((breakdown) => breakdownView(series, breakdown, answer, range))),
  ];
}

class MetricsPage {
  constructor(main) {
    this.main = main;
    this.generation = 0;
    this.picker = el("nav", { class: "range-picker", id: "metrics-range", "aria-label": "Range" });
    this.message = el("div", { class: "messages", id: "metrics-message" });
    this.sections = new Map([...SERIES.map((series) => series.id), "incidents"].map((id) => [id, el("section", { id: `${id}-metrics` })]));
  }

  start() {
    replace(this.main, el("h1", {}, "Metrics"), this.picker, this.message, [...this.sections.values()]);
    window.addEventListener("popstate", () => this.load());
    return this.load();
  }

  async load() {
    const generation = ++this.generation;
    const { range, problem } = readRange();
    this.drawPicker(range);
    replace(this.message, problem ? notice("error", problem) : null);
    const loads = SERIES.map((series) => this.show(series.id, series.heading, generation, async () => seriesView(series, await get(series.url, { start: range }), range)));
    loads.push(this.show("incidents", "Incidents", generation, async () => incidentView(await get("/api/v1/metrics/incidents", { start: range, interval: INCIDENT_PERIOD }))));
    await Promise.all(loads);
  }

  // Fills section `id` with what `build` makes, or with why it could not; a load
  // overtaken by a newer one (another range picked meanwhile) is dropped.
  async show(id, heading, generation, build) {
    const section = this.sections.get(id);
    replace(section, el("h2", {}, heading), el("p", { class: "muted" }, "Loading…"));
    let nodes;
    try {
      nodes = await build();
    } catch (error) {
      nodes = [el("h2", {}, heading), notice("error", `The ${heading.toLowerCase()} metrics could not be read: ${errorText(error)}`)];
    }
    if (generation === this.generation) replace(section, nodes);
  }

  drawPicker(range) {
    const links = RANGES.map(([value, label]) =>
      el("a", { href: path("/metrics", { start: value }), "data-range": value, "aria-current": value === range ? "true" : null, onclick: (event) => this.pick(event, value) }, label),
    );
    replace(this.picker, el("span", { class: "muted" }, "Range:"), links);
  }

  pick(event, value) {
    // A click that opens a new tab or window is the browser's to handle.
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    history.pushState(null, "", path("/metrics", { start: value }));
    this.load();
  }
}

export async function render(main) {
  await new MetricsPage(main).start();
}
