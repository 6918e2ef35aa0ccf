// Building the page from data without ever parsing data as HTML.
//
// Events are written by attackers: every text goes in with textContent (through
// `append` / `el`), every attribute with setAttribute, and a URL taken from data
// becomes a link only when it is http or https (`safeUrl`). Nothing here assigns
// innerHTML; attribute names and event handlers come from this code, never from data.

export function el(tag, attrs = {}, ...children) {
  return build(document.createElement(tag), attrs, children);
}

const SVG = "http://www.w3.org/2000/svg";

export function svg(tag, attrs = {}, ...children) {
  return build(document.createElementNS(SVG, tag), attrs, children);
}

function build(node, attrs, children) {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      node.addEventListener(name.slice(2), value);
    } else if (name === "value" && "value" in node) {
      node.value = String(value);
    } else if (name === "checked" || name === "selected") {
      node[name] = Boolean(value);
    } else {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(node, ...children);
  return node;
}

// Appends nodes and texts (arrays are flattened; null, undefined and false skipped).
export function append(node, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
  return node;
}

export function replace(node, ...children) {
  return append(clear(node), ...children);
}

// `value` as an absolute http(s) URL, or null: `javascript:`, `data:` and the like
// never become links.
export function safeUrl(value) {
  if (typeof value !== "string" || value.trim() === "") return null;
  let parsed;
  try {
    parsed = new URL(value.trim());
  } catch {
    return null;
  }
  return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
}

// A link opening `url` from data in a new tab, or the text alone when it is not http(s).
export function externalLink(url, text = url) {
  const safe = safeUrl(url);
  if (safe === null) return el("span", { class: "unsafe-url" }, String(text ?? ""));
  return el("a", { href: safe, target: "_blank", rel: "noopener noreferrer" }, String(text));
}

// A path of this site with its query, e.g. path("/search", {q: "x"}).
export function path(base, params = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === "") continue;
    query.set(name, String(value));
  }
  const text = query.toString();
  return text ? `${base}?${text}` : base;
}

export function fmtTime(value) {
  if (value === null || value === undefined || value === "") return "";
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) return String(value);
  return parsed.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

// A value of any JSON type as one line of text, for table cells.
export function cellText(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

export function jsonBlock(value) {
  return el("pre", { class: "json" }, JSON.stringify(value, null, 2));
}

// A message line for the outcome of an action: kind is "ok" or "error".
export function notice(kind, text) {
  return el("p", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

export function errorText(error) {
  return error && error.message ? error.message : String(error);
}

// A <select> of `options` ([value, label] pairs or plain values) with `current` chosen.
export function select(attrs, options, current) {
  const node = el("select", attrs);
  for (const option of options) {
    const [value, label] = Array.isArray(option) ? option : [option, option];
    node.append(el("option", { value, selected: String(value) === String(current ?? "") }, label));
  }
  return node;
}

export function table(headers, rows, attrs = {}) {
  return el(
    "table",
    attrs,
    el("thead", {}, el("tr", {}, headers.map((header) => el("th", {}, header)))),
    el("tbody", {}, rows),
  );
}

// Debounce `fn` by `ms`: only the last call within the delay runs.
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
