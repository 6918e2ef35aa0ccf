// Numbers as the health and metrics pages show them: counts, sizes in bytes, rates
// per second and durations in seconds, each in the unit a reader takes in at a
// glance. A value the server did not measure (null) is shown as an empty string,
// never as 0, so that "none yet" and "not known" stay apart.

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
const SPANS = [
  ["d", 86400],
  ["h", 3600],
  ["m", 60],
];

function measured(value) {
  return typeof value === "number" && Number.isFinite(value);
}

export function fmtCount(value) {
  return measured(value) ? value.toLocaleString("en-US") : "";
}

// A count and its noun: (1, "index", "indices") -> "1 index".
export function countOf(value, one, many = `${one}s`) {
  return `${fmtCount(value)} ${value === 1 ? one : many}`;
}

// 5242880 -> "5.00 MiB"
export function fmtBytes(value) {
  if (!measured(value)) return "";
  let size = value;
  let unit = 0;
  while (Math.abs(size) >= 1024 && unit < BYTE_UNITS.length - 1) {
    size /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${size} B`;
  return `${size.toFixed(size < 10 ? 2 : size < 100 ? 1 : 0)} ${BYTE_UNITS[unit]}`;
}

// Events per second: 20.5 -> "20.5/s".
export function fmtRate(value) {
  if (!measured(value)) return "";
  return `${value.toFixed(value < 10 ? 2 : 1)}/s`;
}

// A duration in seconds: 0.0002 -> "0.2 ms", 42 -> "42.0 s", 5400 -> "1h 30m",
// 86400 -> "1d".
export function fmtSeconds(value) {
  if (!measured(value)) return "";
  const sign = value < 0 ? "-" : "";
  const seconds = Math.abs(value);
  if (seconds < 1) return `${sign}${(seconds * 1000).toFixed(seconds < 0.01 ? 2 : 1)} ms`;
  if (seconds < 60) return `${sign}${seconds.toFixed(1)} s`;
  const parts = [];
  let rest = Math.round(seconds);
  for (const [unit, size] of SPANS) {
    if (rest >= size || parts.length) {
      parts.push([Math.floor(rest / size), unit]);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  // "1h 30m", but "1d" rather than "1d 0h".
  const shown = parts.filter(([count], position) => position === 0 || count > 0);
  return sign + shown.map(([count, unit]) => `${count}${unit}`).join(" ");
}

// A share of a whole as a percentage with one decimal: (1, 3) -> "33.3%".
export function fmtShare(part, whole) {
  if (!measured(part) || !measured(whole) || whole <= 0) return "";
  return `${((part / whole) * 100).toFixed(1)}%`;
}
