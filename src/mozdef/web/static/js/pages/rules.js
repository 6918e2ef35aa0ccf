// /rules: every rule the alert engine knows, its schedule and run record, switching
// it on and off, and a back-test on stored events (nothing saved). `?rule=` shows
// one rule first and opens its back-test form.

import { get, hasRole, post } from "../api.js";
import { severityBadge } from "../alertview.js";
import { cellText, el, errorText, fmtTime, notice, replace, table } from "../dom.js";

export const title = "Rules";
const SHOWN_DRAFTS = 20;

function schedule(rule) {
  const found = rule.schedule;
  if (!found) return "";
  if (typeof found === "string") return found;
  return found.crontab ? `cron ${found.crontab}` : `every ${found.interval} (look-back ${found.lookback})`;
}

class RulesPage {
  constructor(main, me) {
    this.main = main;
    this.me = me;
    this.wanted = new URLSearchParams(location.search).get("rule") || "";
    this.message = el("div", { class: "messages", id: "rules-message" });
    this.problems = el("div", { id: "rule-problems" });
    this.list = el("div", { id: "rule-list" });
  }

  async start() {
    replace(this.main, el("h1", {}, "Rules"), this.message, this.problems, this.list);
    await this.load();
  }

  async load() {
    try {
      const found = await get("/api/v1/rules");
      this.drawProblems(found);
      this.draw(found.rules);
    } catch (error) {
      replace(this.message, notice("error", `The rules could not be read: ${errorText(error)}`));
    }
  }

  drawProblems(found) {
    replace(
      this.problems,
      found.problems.length ? [el("h2", {}, "Problems in the rule files"), el("ul", { class: "problems" }, found.problems.map((text) => el("li", {}, text)))] : null,
      found.unavailable.length ? el("p", { class: "muted" }, `Built-in rules needing a service this process does not run: ${found.unavailable.join(", ")}`) : null,
    );
  }

  draw(rules) {
    const sorted = [...rules].sort((a, b) => (a.id === this.wanted ? -1 : b.id === this.wanted ? 1 : a.id.localeCompare(b.id)));
    const rows = sorted.map((rule) => this.row(rule));
    replace(
      this.list,
      table(["Rule", "Severity", "Schedule", "Enabled", "Last run", "Next run", "Hits", "Runs", "Failures", "Last error", ""], rows, { class: "rules", id: "rules-table" }),
    );
  }

  row(rule) {
    const analyst = hasRole(this.me, "analyst");
    const results = el("tr", { class: "backtest", hidden: rule.id !== this.wanted }, el("td", { colspan: 11 }, this.testForm(rule)));
    const toggle = analyst && rule.enabled_in_definition
      ? el("button", { type: "button", class: "switch", onclick: () => this.toggle(rule) }, rule.enabled ? "Disable" : "Enable")
      : null;
    return [
      el(
        "tr",
        { "data-rule": rule.id, class: rule.id === this.wanted ? "wanted" : null },
        el("td", {}, el("strong", {}, rule.id), el("br"), el("span", { class: "muted" }, `${rule.title} (${rule.form})`)),
        el("td", {}, severityBadge(rule.severity)),
        el("td", {}, schedule(rule)),
        el("td", {}, rule.enabled ? "yes" : rule.enabled_in_definition ? "no" : "no (in its definition)", " ", toggle),
        el("td", { class: "nowrap" }, fmtTime(rule.last_run)),
        el("td", { class: "nowrap" }, fmtTime(rule.next_run)),
        el("td", { class: "number" }, cellText(rule.last_hits)),
        el("td", { class: "number" }, cellText(rule.total_runs)),
        el("td", { class: "number" }, cellText(rule.total_failures)),
        el("td", { class: "error-text" }, cellText(rule.last_error)),
        el("td", {}, analyst ? el("button", { type: "button", class: "link", onclick: () => (results.hidden = !results.hidden) }, "Back-test") : null),
      ),
      results,
    ];
  }

  async toggle(rule) {
    try {
      await post(`/api/v1/rules/${encodeURIComponent(rule.id)}/${rule.enabled ? "disable" : "enable"}`);
      await this.load();
    } catch (error) {
      replace(this.message, notice("error", errorText(error)));
    }
  }

  testForm(rule) {
    const since = el("input", { name: "since", value: "7d", size: 8 });
    const until = el("input", { name: "until", value: "now", size: 8 });
    const outcome = el("div", { class: "backtest-result" });
    const form = el("form", { class: "backtest-form" }, `Try ${rule.id} on the events from `, since, " to ", until, " ", el("button", { type: "submit" }, "Run"), outcome);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      replace(outcome, el("p", { class: "muted" }, "Running…"));
      try {
        const found = await post(`/api/v1/rules/${encodeURIComponent(rule.id)}/test`, { since: since.value, until: until.value });
        replace(outcome, this.drafts(found));
      } catch (error) {
        replace(outcome, notice("error", `The back-test failed: ${errorText(error)}`));
      }
    });
    return form;
  }

  drafts(found) {
    const shown = found.drafts.slice(0, SHOWN_DRAFTS);
    return [
      el("p", {}, `${found.total} alerts would have been raised from ${fmtTime(found.since)} to ${fmtTime(found.until)}; ${found.suppressed} of them suppressed.`),
      shown.length
        ? table(
            ["Severity", "Summary", "Events", "Suppressed by"],
            shown.map((draft) =>
              el("tr", {}, el("td", {}, severityBadge(draft.severity)), el("td", {}, cellText(draft.summary)), el("td", { class: "number" }, cellText(draft.count)), el("td", {}, cellText(draft.suppressed_by))),
            ),
          )
        : null,
    ];
  }
}

export async function render(main, { me }) {
  await new RulesPage(main, me).start();
}
