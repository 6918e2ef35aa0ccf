// /health: whether this process accepts events, why not, and its counters, read
// from GET /status every 5 seconds.

import { cellText, el, errorText, fmtTime, notice, replace, table } from "../dom.js";
import { flatten, readStatus } from "../statusfeed.js";

export const title = "Health";
const REFRESH_MS = 5000;

function summary(status) {
  const good = status.accepting && status.ready;
  return el(
    "dl",
    { class: "facts", id: "health-summary" },
    el("dt", {}, "Status"),
    el("dd", {}, el("span", { class: `health ${good ? "good" : "bad"}` }, String(status.status))),
    el("dt", {}, "Ready"),
    el("dd", {}, String(status.ready)),
    el("dt", {}, "Accepting events"),
    el("dd", {}, String(status.accepting)),
    el("dt", {}, "Reason"),
    el("dd", {}, cellText(status.reason)),
    el("dt", {}, "Version"),
    el("dd", {}, cellText(status.version)),
  );
}

export async function render(main) {
  const body = el("div", { id: "health" });
  const stamp = el("p", { class: "muted" });
  replace(main, el("h1", {}, "Health"), stamp, body);
  const refresh = async () => {
    try {
      const status = await readStatus();
      const rows = flatten(status.counters || {}).map(([name, value]) => el("tr", {}, el("td", {}, name), el("td", { class: "number" }, cellText(value))));
      replace(body, summary(status), el("h2", {}, "Counters"), table(["Counter", "Value"], rows, { class: "counters", id: "health-counters" }));
      stamp.textContent = `Read ${fmtTime(new Date().toISOString())}; again every 5 s.`;
    } catch (error) {
      replace(body, notice("error", `The status could not be read: ${errorText(error)}`));
    }
  };
  await refresh();
  setInterval(refresh, REFRESH_MS);
}
