// The incidents' part of the metrics page, drawn from GET /api/v1/metrics/incidents:
// incidents opened and closed per period, the median and 90th percentile times from
// opening to each later stage, and counts by VERIS group and ATT&CK technique.
//
// Times are those of the handlers' own incident dates (see mozdef.metrics.incidents):
// a stage an incident has not reached does not count for it, and a negative time (a
// date set before `opened`) is counted apart and shown as such.

import { lines, shareBar, sparkline } from "./charts.js";
import { cellText, el, fmtTime, notice, table } from "./dom.js";
import { fmtCount, fmtSeconds } from "./quantities.js";

const STAGES = [
  ["detect", "Time to detect (reported)"],
  ["verify", "Time to verify"],
  ["contain", "Time to contain"],
  ["mitigate", "Time to mitigate"],
  ["close", "Time to close"],
];
const PERIOD_STAGES = ["detect", "contain", "mitigate", "close"];

function timing(summary) {
  if (!summary || !summary.count) return "";
  return `${fmtSeconds(summary.median)} / ${fmtSeconds(summary.p90)}`;
}

function stagesTable(answer) {
  const longest = Math.max(1, ...STAGES.map(([stage]) => answer.durations[stage].p90 || 0));
  const rows = STAGES.map(([stage, label]) => {
    const summary = answer.durations[stage];
    const medians = answer.buckets.map((bucket) => bucket.durations[stage].median).filter((value) => value !== null);
    return el(
      "tr",
      { "data-stage": stage },
      el("td", {}, label),
      el("td", { class: "number" }, fmtCount(summary.count)),
      el("td", { class: "number" }, fmtSeconds(summary.median)),
      el("td", { class: "number" }, fmtSeconds(summary.p90)),
      el("td", {}, summary.count ? shareBar(summary.p90 || 0, longest) : null),
      el("td", { class: "number" }, summary.negative ? fmtCount(summary.negative) : ""),
      el("td", {}, medians.length > 1 ? sparkline(medians) : null),
    );
  });
  const headers = ["From opening", "Incidents", "Median", "90th percentile", "", "Negative (left out)", "Median per period"];
  return table(headers, rows, { class: "durations", id: "incident-durations" });
}

function periodsTable(answer) {
  const most = Math.max(1, ...answer.buckets.flatMap((bucket) => [bucket.opened, bucket.closed]));
  const rows = answer.buckets.map((bucket) =>
    el(
      "tr",
      { "data-period": bucket.start },
      el("td", { class: "nowrap" }, bucket.start.slice(0, 10)),
      el("td", { class: "number" }, fmtCount(bucket.opened)),
      el("td", {}, shareBar(bucket.opened, most)),
      el("td", { class: "number" }, fmtCount(bucket.closed)),
      el("td", {}, shareBar(bucket.closed, most)),
      PERIOD_STAGES.map((stage) => el("td", { class: "number" }, timing(bucket.durations[stage]))),
    ),
  );
  const headers = [`${answer.interval === "week" ? "Week from" : "Month"}`, "Opened", "", "Closed", "", ...PERIOD_STAGES.map((stage) => `${stage}: median / p90`)];
  return table(headers, rows, { class: "periods", id: "incident-periods" });
}

function countsTable(id, headers, entries, cells) {
  if (!entries.length) return el("p", { class: "muted", id }, "None tagged in this range.");
  const most = Math.max(1, ...entries.map((entry) => entry.incidents));
  const rows = entries.map((entry) => el("tr", {}, cells(entry).map((cell) => el("td", {}, cell)), el("td", { class: "number" }, fmtCount(entry.incidents)), el("td", {}, shareBar(entry.incidents, most))));
  return table([...headers, "Incidents", ""], rows, { class: "totals", id });
}

export function incidentView(answer) {
  const times = answer.buckets.map((bucket) => bucket.start);
  const opened = { name: "opened", counts: answer.buckets.map((bucket) => bucket.opened), colour: 0 };
  const closed = { name: "closed", counts: answer.buckets.map((bucket) => bucket.closed), colour: 1 };
  const unit = answer.interval === "week" ? "week (from Monday)" : "month";
  return [
    el("h2", {}, "Incidents"),
    el("p", { class: "muted", id: "incidents-total" }, `${fmtCount(answer.opened)} opened and ${fmtCount(answer.closed)} closed from ${fmtTime(answer.start)} to ${fmtTime(answer.end)}, per ${unit}.`),
    answer.truncated ? notice("error", "More incidents were opened in this range than the server reads at once: the figures leave out the oldest.") : null,
    answer.opened || answer.closed ? lines(times, [opened, closed], { interval: answer.interval, label: `Incidents opened and closed per ${answer.interval}`, id: "incidents-chart" }) : null,
    el("h3", {}, "Times from opening, over the incidents opened in the range"),
    stagesTable(answer),
    el("h3", {}, `Per ${answer.interval}`),
    periodsTable(answer),
    el(
      "div",
      { class: "breakdowns" },
      el("div", { class: "breakdown" }, el("h3", {}, "By VERIS group"), countsTable("incident-veris", ["Group"], answer.by_veris, (entry) => [entry.group])),
      el("div", { class: "breakdown" }, el("h3", {}, "By ATT&CK technique"), countsTable("incident-techniques", ["Technique", "Name"], answer.by_technique, (entry) => [entry.technique, cellText(entry.name)])),
      el(
        "div",
        { class: "breakdown" },
        el("h3", {}, "By ATT&CK tactic"),
        countsTable("incident-tactics", ["Tactic", "Name"], answer.by_tactic.filter((entry) => entry.incidents > 0), (entry) => [entry.id, entry.name]),
        answer.untactical.length ? el("p", { class: "muted", id: "incident-untactical" }, `No tactic known for ${answer.untactical.join(", ")}.`) : null,
      ),
    ),
  ];
}
