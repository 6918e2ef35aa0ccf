// What the alert list and the alert page share: severities, statuses, the status
// actions and how an alert's severity and status are drawn.

import { post } from "./api.js";
import { el } from "./dom.js";

export const SEVERITIES = ["CRITICAL", "ERROR", "WARNING", "NOTICE", "INFO"];
export const STATUSES = ["new", "acknowledged", "escalated", "closed"];
export const OPEN_STATUSES = ["new", "acknowledged", "escalated"];

// The actions each status allows (as the alert store's transitions).
export const ACTIONS = {
  new: ["ack", "escalate", "close"],
  acknowledged: ["escalate", "close"],
  escalated: ["ack", "close"],
  closed: ["reopen"],
};

export const ACTION_LABELS = {
  ack: "Acknowledge",
  escalate: "Escalate",
  close: "Close",
  reopen: "Reopen",
};

export function changeStatus(alertId, action, note = "") {
  return post(`/api/v1/alerts/${encodeURIComponent(alertId)}/${action}`, note ? { note } : {});
}

export function severityBadge(severity) {
  const known = SEVERITIES.includes(severity) ? severity.toLowerCase() : "unknown";
  return el("span", { class: `severity sev-${known}` }, String(severity ?? ""));
}

export function statusBadge(status) {
  const known = STATUSES.includes(status) ? status : "unknown";
  return el("span", { class: `status st-${known}` }, String(status ?? ""));
}

export function alertPath(alertId) {
  return `/alerts/${encodeURIComponent(alertId)}`;
}
