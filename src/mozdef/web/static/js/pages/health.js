// /health: the live health of this process from GET /api/v1/health, read again every
// 5 seconds and soon after an alert of the system's own trouble (category
// mozdef-health) is raised or changes status: readiness, intake and indexing rates,
// the queue, rejections and plugin errors, the store's indices, free disk, each
// scheduled rule's runs and the open health alerts.
//
// A part the server could not read comes as {"error": ...} and a part this process
// does not have (no event store) as null; each says so in its place while the rest
// of the page shows. A counter the process does not keep is null too, and is shown
// as not kept rather than as 0.

import { get } from "../api.js";
import { alertPath, severityBadge, statusBadge } from "../alertview.js";
import { shareBar } from "../charts.js";
import { cellText, debounce, el, errorText, fmtTime, notice, path, replace, table } from "../dom.js";
import { live } from "../live.js";
import { countOf, fmtBytes, fmtCount, fmtRate, fmtSeconds, fmtShare } from "../quantities.js";

export const title = "Health";
const REFRESH_MS = 5000;
const HEALTH_CATEGORY = "mozdef-health";
const NOT_KEPT = "not kept by this process";

function counted(value) {
  return value === null || value === undefined ? el("span", { class: "muted" }, NOT_KEPT) : fmtCount(value);
}

function facts(id, pairs) {
  return el("dl", { class: "facts", id }, pairs.map(([name, value]) => [el("dt", {}, name), el("dd", {}, value)]));
}

function rate(rates, name) {
  const value = rates ? rates[name] : null;
  if (value !== null && value !== undefined) return `${fmtRate(value)} over the last ${Math.round(rates.span_seconds)} s`;
  return el("span", { class: "muted" }, "measuring: needs two readings a few seconds apart");
}

function summary(health) {
  const good = health.ready && health.accepting;
  const state = good ? "ok" : health.ready ? "not accepting events" : "not ready";
  const queue = health.indexing.queue_pending_bytes;
  return facts("health-summary", [
    ["Status", el("span", { class: `health ${good ? "good" : "bad"}` }, state)],
    ["Ready", String(health.ready)],
    ["Accepting events", String(health.accepting)],
    ["Reason", cellText(health.reason)],
    ["Intake rate", rate(health.rates, "accepted")],
    ["Indexing rate", rate(health.rates, "indexed")],
    ["Queue depth", queue === null || queue === undefined ? counted(queue) : `${fmtBytes(queue)} waiting to be indexed`],
  ]);
}

function counters(health) {
  const { intake, indexing } = health;
  const rows = [
    ["Events accepted", counted(intake.accepted)],
    ["Events indexed", counted(indexing.indexed)],
    ["Store commits", counted(indexing.commits)],
    ["Last commit took", indexing.last_commit_ms === null ? counted(null) : fmtSeconds(indexing.last_commit_ms / 1000)],
    ["Sent to the dead-letter folder", counted(indexing.deadletter)],
    ["Worker restarts", counted(indexing.worker_restarts)],
  ];
  return table(["Since start", "Count"], rows.map(([name, value]) => el("tr", {}, el("td", {}, name), el("td", { class: "number" }, value))), { class: "counters", id: "health-counters" });
}

// Counts by reason of the kinds given as [label, {reason: count} or null].
function reasons(id, kinds, empty) {
  const rows = [];
  for (const [kind, counts] of kinds) {
    for (const [reason, count] of Object.entries(counts || {})) {
      rows.push(el("tr", { "data-reason": reason }, el("td", {}, kind), el("td", {}, reason), el("td", { class: "number" }, fmtCount(count))));
    }
  }
  if (!rows.length) return el("p", { class: "muted", id }, empty);
  return table(["Where", "Reason", "Events"], rows, { class: "counters", id });
}

function drops(health) {
  const kinds = [
    ["rejected at intake", health.intake.rejected],
    ["dropped by a plugin", health.intake.dropped_by_plugin],
    ["failed to index", health.indexing.failed],
  ];
  return reasons("health-rejects", kinds, "No event rejected, dropped or failed since start.");
}

function pluginErrors(health) {
  return reasons("health-plugin-errors", [["plugin error", health.intake.plugin_errors]], "No plugin error since start.");
}

// A part of the document: its error, its absence, or `draw(value)`.
function part(value, name, draw) {
  if (value === null || value === undefined) return el("p", { class: "muted" }, `This process has no ${name}.`);
  if (value.error) return notice("error", `The ${name} could not be read: ${value.error}`);
  return draw(value);
}

function store(found) {
  const top = Math.max(1, ...found.daily.map((index) => index.bytes));
  const rows = found.daily.map((index) =>
    el("tr", { "data-index": index.name }, el("td", {}, index.name), el("td", {}, cellText(index.day)), el("td", { class: "number" }, fmtCount(index.docs)), el("td", { class: "number" }, fmtBytes(index.bytes)), el("td", {}, shareBar(index.bytes, top))),
  );
  return [
    el("p", { id: "health-store" }, `${countOf(found.indices, "index", "indices")}, ${countOf(found.docs, "document")}, ${fmtBytes(found.bytes)}.`),
    table(["Index", "Day", "Documents", "Size", ""], rows, { class: "indices", id: "health-indices" }),
  ];
}

function disk(found) {
  const used = found.total_bytes - found.free_bytes;
  return facts("health-disk", [
    ["Data folder", found.path],
    ["Free", `${fmtBytes(found.free_bytes)} of ${fmtBytes(found.total_bytes)} (${fmtShare(found.free_bytes, found.total_bytes)})`],
    ["Used", [shareBar(used, found.total_bytes), " ", fmtShare(used, found.total_bytes)]],
  ]);
}

function rules(found) {
  const rows = found.map((rule) =>
    el(
      "tr",
      { "data-rule": rule.rule_id, class: rule.consecutive_failures ? "failing" : null },
      el("td", {}, el("a", { href: path("/rules", { rule: rule.rule_id }) }, rule.rule_id)),
      el("td", {}, rule.enabled ? "yes" : "no"),
      el("td", { class: "nowrap" }, fmtTime(rule.last_run)),
      el("td", { class: "nowrap" }, fmtTime(rule.next_run)),
      el("td", { class: "number" }, fmtSeconds(rule.last_duration)),
      el("td", { class: "number" }, cellText(rule.last_hits)),
      el("td", { class: "number" }, fmtCount(rule.total_runs)),
      el("td", { class: "number" }, `${fmtCount(rule.total_failures)}${rule.consecutive_failures ? ` (${rule.consecutive_failures} in a row)` : ""}`),
      el("td", { class: "error-text" }, cellText(rule.last_error)),
    ),
  );
  if (!rows.length) return el("p", { class: "muted", id: "health-rules" }, "No scheduled rule.");
  return table(["Rule", "Enabled", "Last run", "Next run", "Took", "Hits", "Runs", "Failures", "Last error"], rows, { class: "rules", id: "health-rules" });
}

function healthAlerts(found) {
  const rows = found.alerts.map((alert) =>
    el(
      "tr",
      { "data-id": alert.id },
      el("td", {}, severityBadge(alert.severity)),
      el("td", {}, el("a", { href: alertPath(alert.id) }, cellText(alert.summary))),
      el("td", {}, statusBadge(alert.status)),
      el("td", { class: "number" }, fmtCount(alert.count)),
      el("td", { class: "nowrap" }, fmtTime(alert.last_seen)),
    ),
  );
  if (!rows.length) return el("p", { class: "muted", id: "health-alerts" }, "No open health alert.");
  const shown = found.total > rows.length ? ` (the newest ${rows.length} shown)` : "";
  return [
    el("p", {}, `${fmtCount(found.total)} open${shown}.`),
    table(["Severity", "Summary", "Status", "Times", "Last seen"], rows, { class: "alerts", id: "health-alerts" }),
  ];
}

function draw(health) {
  return [
    summary(health),
    el("h2", {}, "Intake and indexing"),
    counters(health),
    el("h2", {}, "Rejected, dropped and failed events"),
    drops(health),
    el("h2", {}, "Plugin errors"),
    pluginErrors(health),
    el("h2", {}, "Event store"),
    part(health.store, "event store", store),
    el("h2", {}, "Disk"),
    part(health.disk, "free disk space", disk),
    el("h2", {}, "Scheduled rules"),
    part(health.rules, "rule scheduler", rules),
    el("h2", {}, "Open health alerts"),
    part(health.health_alerts, "alert store", healthAlerts),
  ];
}

export async function render(main) {
  const body = el("div", { id: "health" });
  const stamp = el("p", { class: "muted", id: "health-stamp" }, "Reading…");
  const message = el("div", { class: "messages", id: "health-message" });
  replace(main, el("h1", {}, "Health"), stamp, message, body);
  let reading = false;
  const refresh = async () => {
    if (reading) return;
    reading = true;
    try {
      const health = await get("/api/v1/health");
      replace(body, draw(health));
      replace(message);
      stamp.textContent = `Read ${fmtTime(health.time)} in ${health.took_ms} ms; again every 5 s.`;
    } catch (error) {
      // The last reading stays below, its time in the stamp above.
      replace(message, notice("error", `The health could not be read: ${errorText(error)}`));
    } finally {
      reading = false;
    }
  };
  const soon = debounce(refresh, 1000);
  for (const topic of ["alert.created", "alert.status"]) {
    live.on(topic, (alert) => alert && alert.category === HEALTH_CATEGORY && soon());
  }
  await refresh();
  setInterval(refresh, REFRESH_MS);
}
