// A histogram of matches over time, drawn as SVG by this code (no charting library).
//
// The search asks the API for a `date_histogram` on utctimestamp with the interval
// `pickInterval` chooses for the window; buckets the store leaves out (no match)
// are drawn as zero. Clicking a bar narrows the search to that bucket.

import { el, svg } from "./dom.js";

const INTERVALS = [
  ["1s", 1000],
  ["5s", 5000],
  ["10s", 10000],
  ["30s", 30000],
  ["1m", 60000],
  ["5m", 300000],
  ["10m", 600000],
  ["30m", 1800000],
  ["1h", 3600000],
  ["3h", 10800000],
  ["12h", 43200000],
  ["1d", 86400000],
  ["7d", 604800000],
];
const MAX_BARS = 80;
const WIDTH = 800;
const HEIGHT = 120;

// [name, ms] of the smallest interval giving at most MAX_BARS bars over the window.
export function pickInterval(startMs, endMs) {
  const span = Math.max(endMs - startMs, 1000);
  return INTERVALS.find(([, ms]) => span / ms <= MAX_BARS) || INTERVALS[INTERVALS.length - 1];
}

// Every bucket of the window, [keyMs, count], zeros included.
export function fillBuckets(buckets, startMs, endMs, intervalMs) {
  const counts = new Map((buckets || []).map((bucket) => [Number(bucket.key), bucket.doc_count]));
  const filled = [];
  const first = Math.floor(startMs / intervalMs) * intervalMs;
  for (let key = first; key <= endMs; key += intervalMs) filled.push([key, counts.get(key) || 0]);
  for (const [key, count] of counts) {
    if (key < first || key > endMs) filled.push([key, count]);
  }
  return filled.sort((a, b) => a[0] - b[0]);
}

function label(ms) {
  return new Date(ms).toISOString().replace("T", " ").slice(0, 19) + "Z";
}

export function histogram(bars, intervalMs, onPick) {
  const top = Math.max(1, ...bars.map(([, count]) => count));
  const width = WIDTH / Math.max(bars.length, 1);
  const chart = svg("svg", {
    class: "histogram",
    id: "histogram",
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    preserveAspectRatio: "none",
    role: "img",
    "aria-label": "Matches over time",
  });
  bars.forEach(([key, count], index) => {
    const height = (count / top) * HEIGHT;
    const bar = svg(
      "rect",
      {
        class: count ? "bar" : "bar empty",
        x: (index * width + 0.5).toFixed(2),
        y: (HEIGHT - height).toFixed(2),
        width: Math.max(width - 1, 0.5).toFixed(2),
        height: Math.max(height, count ? 1 : 0).toFixed(2),
        "data-key": key,
        "data-count": count,
      },
      svg("title", {}, `${label(key)}: ${count}`),
    );
    if (onPick) bar.addEventListener("click", () => onPick(key, key + intervalMs));
    chart.append(bar);
  });
  const total = bars.reduce((sum, [, count]) => sum + count, 0);
  const axis = bars.length
    ? el("div", { class: "axis" }, el("span", {}, label(bars[0][0])), el("span", {}, label(bars[bars.length - 1][0])))
    : null;
  const caption = el("figcaption", { class: "muted" }, `${total} matches, one bar per ${intervalName(intervalMs)}`);
  return el("figure", { class: "histogram-box" }, chart, axis, caption);
}

function intervalName(ms) {
  const found = INTERVALS.find(([, value]) => value === ms);
  return found ? found[0] : `${ms} ms`;
}
