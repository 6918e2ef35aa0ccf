// The time picker of the search page: a relative window (15m, 1h, 24h, 7d, 30d)
// or absolute bounds, written in the URL as the search API takes them (`start=15m`,
// or ISO 8601 `start` and `end`). Absolute times are entered and shown in UTC.

import { el, select } from "./dom.js";

export const RELATIVE = [
  ["15m", "last 15 minutes"],
  ["1h", "last hour"],
  ["24h", "last 24 hours"],
  ["7d", "last 7 days"],
  ["30d", "last 30 days"],
];
const UNIT_MS = { s: 1000, m: 60000, h: 3600000, d: 86400000, w: 604800000 };

// [startMs, endMs] of a window as the API would resolve it now (for the histogram's axis).
export function resolveRange(start, end, now = Date.now()) {
  const until = end ? parseTime(end, now) : now;
  const from = parseTime(start || "24h", now);
  return [from ?? until - 86400000, until ?? now];
}

function parseTime(text, now) {
  const relative = /^(?:now-)?(\d+)([smhdw])$/.exec(text.trim());
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2]];
  if (text.trim() === "now") return now;
  const parsed = Date.parse(text);
  return Number.isNaN(parsed) ? null : parsed;
}

// "2026-12-04T09:00:00.000Z" -> "2026-12-04T09:00:00" for a datetime-local input.
export function toLocalInput(iso) {
  const parsed = Date.parse(iso);
  return Number.isNaN(parsed) ? "" : new Date(parsed).toISOString().slice(0, 19);
}

// A datetime-local value, read as UTC, as an ISO string ("" stays "").
export function fromLocalInput(value) {
  if (!value) return "";
  const parsed = Date.parse(`${value}Z`);
  return Number.isNaN(parsed) ? "" : new Date(parsed).toISOString();
}

// The picker: returns {node, read()} where read() gives {start, end}.
export function timePicker(start, end) {
  const isRelative = RELATIVE.some(([value]) => value === start) && !end;
  const choice = select({ name: "range", id: "time-range" }, [...RELATIVE, ["custom", "between (UTC)…"]], isRelative ? start : "custom");
  const from = el("input", { type: "datetime-local", step: 1, name: "from", id: "time-from", value: isRelative ? "" : toLocalInput(start) });
  const to = el("input", { type: "datetime-local", step: 1, name: "to", id: "time-to", value: isRelative ? "" : toLocalInput(end) });
  const custom = el("span", { class: "custom-range" }, from, " to ", to, " UTC");
  custom.hidden = isRelative;
  choice.addEventListener("change", () => {
    custom.hidden = choice.value !== "custom";
  });
  const read = () => {
    if (choice.value !== "custom") return { start: choice.value, end: "" };
    return { start: fromLocalInput(from.value) || "24h", end: fromLocalInput(to.value) };
  };
  return { node: el("span", { class: "time-picker" }, choice, custom), read };
}
