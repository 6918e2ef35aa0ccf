// Client-side downloads of search results as CSV and JSON.
//
// A CSV cell whose text starts with = + - @ (or a tab or carriage return) is
// written with a leading apostrophe, so that a spreadsheet opening the file shows
// the attacker's text instead of running it as a formula.

import { cellText } from "./dom.js";

// The value at a dotted path of an event ("details.sourceipaddress"); a key that
// itself holds dots is found too (the longest key that exists is tried first).
export function valueAt(source, dotted) {
  return lookUp(source, dotted.split("."));
}

function lookUp(current, parts) {
  if (parts.length === 0) return current;
  if (current === null || typeof current !== "object") return undefined;
  for (let take = parts.length; take >= 1; take -= 1) {
    const key = parts.slice(0, take).join(".");
    if (!Object.prototype.hasOwnProperty.call(current, key)) continue;
    const found = lookUp(current[key], parts.slice(take));
    if (found !== undefined) return found;
  }
  return undefined;
}

export function csvCell(value) {
  let text = cellText(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(hits, columns) {
  const lines = [columns.map(csvCell).join(",")];
  for (const hit of hits) lines.push(columns.map((column) => csvCell(valueAt(hit._source, column))).join(","));
  return lines.join("\r\n") + "\r\n";
}

export function toJson(hits) {
  return JSON.stringify(hits.map((hit) => hit._source), null, 2);
}

export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement("a");
  link.setAttribute("href", url);
  link.setAttribute("download", name);
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
