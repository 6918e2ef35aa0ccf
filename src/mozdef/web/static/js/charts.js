// Counts over time drawn as SVG by this code (no charting library): stacked columns
// for a breakdown, lines for a few series side by side, and the small bars and
// sparklines that sit in table cells.
//
// Series names come from events (a category, a source), that is from attackers:
// they reach the chart only as text nodes of <title> elements, through dom.js. Colours
// are CSS classes (`series-0` ... `series-9`, `series-rest`), as the
// Content-Security-Policy allows no inline style.

import { el, svg } from "./dom.js";
import { fmtCount } from "./quantities.js";

export const COLOURS = 10;
const WIDTH = 800;
const HEIGHT = 140;
const DAY_INTERVALS = new Set(["week", "month"]);

// The class of the colour of series number `index`; null is the "rest" series.
export function seriesClass(index) {
  return index === null ? "series-rest" : `series-${index % COLOURS}`;
}

// A bucket's start as a label: the day alone when buckets are a day or longer.
export function bucketLabel(iso, interval) {
  const parsed = new Date(iso);
  if (Number.isNaN(parsed.getTime())) return String(iso);
  const text = parsed.toISOString();
  const daily = DAY_INTERVALS.has(interval) || /^\d+[dw]$/.test(interval || "");
  return daily ? text.slice(0, 10) : `${text.slice(0, 10)} ${text.slice(11, 16)}Z`;
}

// A small square of a series' colour, for legends and table rows.
export function swatch(index) {
  return svg("svg", { class: `swatch ${seriesClass(index)}`, viewBox: "0 0 10 10", width: 10, height: 10, "aria-hidden": "true" }, svg("rect", { width: 10, height: 10 }));
}

// Stacked columns, one per bucket. `series`: [{name, counts, colour}] where
// `colour` is the index given to seriesClass (null for the rest).
export function stackedColumns(times, series, { interval, label, id }) {
  const totals = times.map((_, position) => series.reduce((sum, one) => sum + (one.counts[position] || 0), 0));
  const top = Math.max(1, ...totals);
  const width = WIDTH / Math.max(times.length, 1);
  const chart = frame(label, id);
  times.forEach((time, position) => {
    const column = svg("g", { class: "column", "data-time": time }, svg("title", {}, columnTitle(time, interval, series, position, totals[position])));
    let base = HEIGHT;
    for (const one of series) {
      const count = one.counts[position] || 0;
      if (!count) continue;
      const height = Math.max((count / top) * HEIGHT, 1);
      base -= height;
      column.append(svg("rect", { class: seriesClass(one.colour), x: (position * width + 0.5).toFixed(2), y: base.toFixed(2), width: Math.max(width - 1, 0.5).toFixed(2), height: height.toFixed(2) }));
    }
    chart.append(column);
  });
  return figure(chart, times, interval, peakCaption(totals, interval));
}

// One line per series over the same buckets. `series`: [{name, counts, colour}].
export function lines(times, series, { interval, label, id }) {
  const top = Math.max(1, ...series.flatMap((one) => one.counts));
  const step = times.length > 1 ? WIDTH / (times.length - 1) : WIDTH;
  const chart = frame(label, id);
  for (const one of series) {
    const points = one.counts.map((count, position) => `${(position * step).toFixed(1)},${(HEIGHT - (count / top) * (HEIGHT - 4) - 2).toFixed(1)}`);
    chart.append(svg("polyline", { class: `line ${seriesClass(one.colour)}`, points: points.join(" ") }, svg("title", {}, one.name)));
  }
  const legend = el("p", { class: "legend" }, series.map((one) => el("span", { class: "legend-entry" }, swatch(one.colour), " ", one.name)));
  return figure(chart, times, interval, peakCaption(series.flatMap((one) => one.counts), interval), legend);
}

// A bar of `value` out of `max`, for a table cell.
export function shareBar(value, max) {
  const share = max > 0 ? Math.min(Math.max(value / max, 0), 1) : 0;
  return svg("svg", { class: "share-bar", viewBox: "0 0 100 8", width: 100, height: 8, preserveAspectRatio: "none", "aria-hidden": "true" }, svg("rect", { class: "track", width: 100, height: 8 }), svg("rect", { class: "fill", width: (share * 100).toFixed(1), height: 8 }));
}

// The shape of `values` over time, for a table cell.
export function sparkline(values, colour = null) {
  const width = 120;
  const height = 24;
  const top = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((value, position) => `${(position * step).toFixed(1)},${(height - (value / top) * (height - 2) - 1).toFixed(1)}`);
  return svg("svg", { class: `sparkline ${colour === null ? "" : seriesClass(colour)}`.trim(), viewBox: `0 0 ${width} ${height}`, width, height, preserveAspectRatio: "none", "aria-hidden": "true" }, svg("polyline", { points: points.join(" ") }));
}

function frame(label, id) {
  return svg("svg", { class: "chart", id, viewBox: `0 0 ${WIDTH} ${HEIGHT}`, preserveAspectRatio: "none", role: "img", "aria-label": label });
}

function figure(chart, times, interval, caption, legend = null) {
  const axis = times.length
    ? el("div", { class: "axis" }, el("span", {}, bucketLabel(times[0], interval)), el("span", {}, bucketLabel(times[times.length - 1], interval)))
    : null;
  return el("figure", { class: "chart-box" }, chart, axis, legend, el("figcaption", { class: "muted" }, caption));
}

function peakCaption(counts, interval) {
  const peak = Math.max(0, ...counts);
  return peak ? `${fmtCount(peak)} at most in one ${interval || "bucket"}` : "None in this range.";
}

function columnTitle(time, interval, series, position, total) {
  const parts = series.filter((one) => one.counts[position]).map((one) => `${one.name}: ${fmtCount(one.counts[position])}`);
  return [`${bucketLabel(time, interval)}: ${fmtCount(total)}`, ...parts].join("\n");
}
