// /alerts/{id}: one alert with its sample events, a link to the search of those
// events, and what a handler does with it: acknowledge, close, reopen, escalate to
// a new incident or investigation (made through the API with the alert linked),
// and suppress similar alerts.

import { ACTIONS, ACTION_LABELS, changeStatus, severityBadge, statusBadge } from "../alertview.js";
import { get, hasRole, post } from "../api.js";
import {
  cellText,
  debounce,
  el,
  errorText,
  externalLink,
  fmtTime,
  jsonBlock,
  notice,
  path,
  replace,
  select,
  table,
} from "../dom.js";
import { live } from "../live.js";
import { lucenePhrase } from "../lucene.js";

export const title = "Alert";

// The search of an alert's sample events, over the time they span.
export function eventsSearch(alert) {
  const samples = alert.events || [];
  const ids = samples.map((sample) => sample.documentid).filter(Boolean);
  const times = samples
    .map((sample) => Date.parse(sample.documentsource && sample.documentsource.utctimestamp))
    .filter((time) => !Number.isNaN(time));
  const first = times.length ? Math.min(...times) : Date.parse(alert.utctimestamp) - 3600000;
  const last = times.length ? Math.max(...times) : Date.parse(alert.last_seen || alert.utctimestamp);
  const q = ids.length ? ids.map((id) => `id:${lucenePhrase(id)}`).join(" OR ") : "";
  const iso = (ms) => (Number.isNaN(ms) ? "" : new Date(ms).toISOString());
  return path("/search", { q, start: iso(first - 60000), end: iso(last + 60000) });
}

// A query for alerts like this one: the same dedup key, else the same summary.
export function similarQuery(alert) {
  if (alert.dedup_key) return `dedup_key:${lucenePhrase(alert.dedup_key)}`;
  return `summary:${lucenePhrase(alert.summary || "")}`;
}

// Whether `found` is an older state of the alert than `shown` (fewer status changes,
// or as many and an earlier last event).
function isOlder(found, shown) {
  const before = (found.history || []).length;
  const now = (shown.history || []).length;
  if (before !== now) return before < now;
  return String(found.last_seen) < String(shown.last_seen);
}

class AlertPage {
  constructor(main, me, id) {
    this.main = main;
    this.me = me;
    this.id = id;
    this.alert = null;
    this.message = el("div", { class: "messages", id: "alert-message" });
    this.body = el("div", { id: "alert-body" });
    this.deliveries = el("div", { id: "alert-deliveries" });
    this.reloadSoon = debounce(() => this.load(), 1500);
  }

  async start() {
    replace(this.main, this.message, this.body);
    for (const topic of ["alert.updated", "alert.status"]) {
      live.on(topic, (payload) => {
        if (payload && payload.id === this.id) {
          this.show({ ...this.alert, ...payload });
          this.reloadSoon();
        }
      });
    }
    await this.load();
  }

  async load() {
    try {
      const found = await get(`/api/v1/alerts/${encodeURIComponent(this.id)}`);
      // A read may come before the store's next commit: never step back to it.
      this.show(this.alert && isOlder(found, this.alert) ? this.alert : found);
      await this.loadDeliveries();
    } catch (error) {
      replace(this.body, notice("error", error.status === 404 ? `No alert ${this.id}.` : errorText(error)));
    }
  }

  show(alert) {
    this.alert = alert;
    const analyst = hasRole(this.me, "analyst");
    replace(
      this.body,
      el("h1", { id: "alert-summary" }, String(alert.summary ?? "")),
      this.facts(alert),
      analyst ? this.actions(alert) : null,
      el("p", {}, el("a", { href: eventsSearch(alert), id: "alert-search-link" }, "Search the events of this alert")),
      el("h2", {}, "Sample events"),
      this.samples(alert),
      el("h2", {}, "Details"),
      jsonBlock(alert.details ?? {}),
      el("h2", {}, "History"),
      this.history(alert),
      el("h2", {}, "Deliveries"),
      this.deliveries,
      analyst ? this.suppressForm(alert) : null,
    );
  }

  facts(alert) {
    const rows = [
      ["Severity", severityBadge(alert.severity)],
      ["Status", statusBadge(alert.status)],
      ["Category", alert.category],
      ["Rule", el("a", { href: path("/rules", { rule: alert.rule_id }) }, String(alert.rule_id ?? ""))],
      ["Events", String(alert.count ?? "")],
      ["First seen", fmtTime(alert.utctimestamp)],
      ["Last seen", fmtTime(alert.last_seen)],
      ["Tags", (alert.tags || []).join(", ")],
      ["Dedup key", alert.dedup_key],
      ["Id", alert.id],
    ];
    if (alert.url) rows.push(["Link", externalLink(alert.url)]);
    return el("dl", { class: "facts" }, rows.map(([name, value]) => [el("dt", {}, name), el("dd", {}, value ?? "")]));
  }

  actions(alert) {
    const note = el("input", { id: "alert-note", placeholder: "Note (optional)", size: 40 });
    const allowed = ACTIONS[alert.status] || [];
    const buttons = allowed
      .filter((action) => action !== "escalate")
      .map((action) =>
        el("button", { type: "button", id: `alert-${action}`, onclick: () => this.change(action, note.value) }, ACTION_LABELS[action]),
      );
    const escalate = (kind, label) =>
      el("button", { type: "button", id: `escalate-${kind}`, onclick: () => this.escalate(kind, note.value) }, label);
    return el(
      "div",
      { class: "actions" },
      note,
      buttons,
      alert.status === "closed" ? null : [escalate("incidents", "Escalate to a new incident"), escalate("investigations", "Open an investigation")],
    );
  }

  async change(action, note) {
    try {
      this.show(await changeStatus(this.id, action, note));
      replace(this.message, notice("ok", `${ACTION_LABELS[action]}: done.`));
    } catch (error) {
      replace(this.message, notice("error", `${ACTION_LABELS[action]} failed: ${errorText(error)}`));
    }
  }

  async escalate(kind, note) {
    const alert = this.alert;
    const singular = kind === "incidents" ? "incident" : "investigation";
    let made;
    try {
      made = await post(`/api/v1/${kind}`, {
        summary: String(alert.summary || `Alert ${alert.id}`).slice(0, 1024),
        description: `From alert ${alert.id} (${alert.severity}, ${alert.category}, rule ${alert.rule_id}).${note ? "\n" + note : ""}`,
        alerts: [alert.id],
      });
    } catch (error) {
      replace(this.message, notice("error", `The ${singular} could not be made: ${errorText(error)}`));
      return;
    }
    const target = `/${kind}/${encodeURIComponent(made.id)}`;
    if ((ACTIONS[alert.status] || []).includes("escalate")) {
      try {
        await changeStatus(alert.id, "escalate", `${singular} ${made.id}${note ? ": " + note : ""}`);
      } catch (error) {
        replace(
          this.message,
          notice("error", `The ${singular} was made, but the alert's status could not be changed: ${errorText(error)}`),
          el("p", {}, el("a", { href: target }, `Go to the ${singular}`)),
        );
        return;
      }
    }
    location.assign(target);
  }

  samples(alert) {
    const samples = alert.events || [];
    if (!samples.length) return el("p", { class: "muted" }, "No sample events.");
    const rows = samples.map((sample, index) => {
      const source = sample.documentsource || {};
      const holder = el("tr", { class: "sample-json", hidden: true }, el("td", { colspan: 5 }, jsonBlock(source)));
      const toggle = el("button", { type: "button", class: "link show-json", onclick: () => (holder.hidden = !holder.hidden) }, "JSON");
      return [
        el(
          "tr",
          { class: "sample", "data-index": index },
          el("td", { class: "nowrap" }, fmtTime(source.utctimestamp)),
          el("td", {}, cellText(source.category)),
          el("td", {}, cellText(source.hostname)),
          el("td", {}, cellText(source.summary)),
          el("td", {}, toggle),
        ),
        holder,
      ];
    });
    return table(["Time", "Category", "Host", "Summary", ""], rows, { class: "samples", id: "alert-samples" });
  }

  // What the action routes did with the alert: each delivery, its attempts and outcome.
  async loadDeliveries() {
    try {
      const found = await get(`/api/v1/alerts/${encodeURIComponent(this.id)}/deliveries`);
      const rows = found.deliveries.map((delivery) =>
        el(
          "tr",
          { "data-route": delivery.route },
          [delivery.route, delivery.action, delivery.status, String(delivery.attempts), fmtTime(delivery.updated), delivery.error || delivery.result].map((text) => el("td", {}, text)),
        ),
      );
      replace(this.deliveries, rows.length ? table(["Route", "Action", "Status", "Attempts", "Last", "Outcome"], rows, { id: "deliveries-table" }) : el("p", { class: "muted" }, "No action route took this alert."));
    } catch (error) {
      replace(this.deliveries, notice("error", `The deliveries could not be read: ${errorText(error)}`));
    }
  }

  history(alert) {
    const changes = alert.history || [];
    if (!changes.length) return el("p", { class: "muted" }, "No status change yet.");
    return el(
      "ol",
      { class: "history" },
      changes.map((change) =>
        el("li", {}, fmtTime(change.at), " ", statusBadge(change.status), ` by ${change.by}`, change.note ? ` — ${change.note}` : ""),
      ),
    );
  }

  suppressForm(alert) {
    const query = el("input", { name: "query", id: "suppress-query", value: similarQuery(alert), size: 60 });
    const reason = el("input", { name: "reason", id: "suppress-reason", required: true, size: 40 });
    const expires = select({ name: "expires" }, [["1d", "1 day"], ["7d", "7 days"], ["30d", "30 days"], ["", "never"]], "7d");
    const onlyRule = el("input", { type: "checkbox", name: "only_rule", checked: true });
    const outcome = el("div");
    const form = el(
      "form",
      { class: "suppress", id: "suppress-form" },
      el("h2", {}, "Suppress similar alerts"),
      el("label", {}, "Query", query),
      el("label", {}, "Reason", reason),
      el("label", {}, "Expires", expires),
      el("label", {}, onlyRule, ` only for rule ${alert.rule_id}`),
      el("button", { type: "submit" }, "Suppress"),
      outcome,
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = { query: query.value, reason: reason.value };
      if (onlyRule.checked && alert.rule_id) body.rule_id = alert.rule_id;
      if (expires.value) body.expires = expires.value;
      try {
        const made = await post("/api/v1/suppressions", body);
        replace(outcome, notice("ok", `Suppression ${made.id} made: alerts matching ${made.query} are dropped.`));
      } catch (error) {
        replace(outcome, notice("error", `Not suppressed: ${errorText(error)}`));
      }
    });
    return form;
  }
}

export async function render(main, { me, params }) {
  document.title = `Alert ${params.id} · MozDef`;
  await new AlertPage(main, me, params.id).start();
}
