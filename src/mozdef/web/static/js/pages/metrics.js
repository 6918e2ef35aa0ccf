// /metrics: the process's counters over time, sampled from GET /status every 5
// seconds while the page is open: each number's value, its rate per second over
// the last interval, and a line of its last samples.

import { el, errorText, notice, replace, svg, table } from "../dom.js";
import { flatten, readStatus } from "../statusfeed.js";

export const title = "Metrics";
const REFRESH_MS = 5000;
const KEEP = 60;

function sparkline(values) {
  const width = 160;
  const height = 28;
  const low = Math.min(...values);
  const high = Math.max(...values);
  const span = high - low || 1;
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((value, index) => `${(index * step).toFixed(1)},${(height - ((value - low) / span) * (height - 2) - 1).toFixed(1)}`);
  return svg("svg", { class: "sparkline", viewBox: `0 0 ${width} ${height}`, width, height }, svg("polyline", { points: points.join(" ") }));
}

export async function render(main) {
  const body = el("div", { id: "metrics" });
  replace(main, el("h1", {}, "Metrics"), el("p", { class: "muted" }, "Counters of this process since it started, sampled every 5 s while this page is open."), body);
  const samples = [];
  const refresh = async () => {
    try {
      const status = await readStatus();
      const numbers = flatten(status.counters || {}).filter(([, value]) => typeof value === "number");
      samples.push({ at: Date.now(), values: new Map(numbers) });
      if (samples.length > KEEP) samples.shift();
      draw(body, samples);
    } catch (error) {
      replace(body, notice("error", `The counters could not be read: ${errorText(error)}`));
    }
  };
  await refresh();
  setInterval(refresh, REFRESH_MS);
}

function draw(body, samples) {
  const last = samples[samples.length - 1];
  const before = samples.length > 1 ? samples[samples.length - 2] : null;
  const rows = [...last.values].map(([name, value]) => {
    const previous = before ? before.values.get(name) : undefined;
    const seconds = before ? (last.at - before.at) / 1000 : 0;
    const rate = previous === undefined || !seconds ? "" : ((value - previous) / seconds).toFixed(2);
    const history = samples.map((sample) => sample.values.get(name)).filter((one) => typeof one === "number");
    return el("tr", { "data-counter": name }, el("td", {}, name), el("td", { class: "number" }, String(value)), el("td", { class: "number" }, rate), el("td", {}, sparkline(history)));
  });
  replace(body, table(["Counter", "Value", "Per second", "Last samples"], rows, { class: "counters", id: "metrics-table" }));
}
