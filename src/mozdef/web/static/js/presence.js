// Who else has a case open, and which field each is editing, from the `presence`
// topic of the live feed. An entry lapses at its `expires` unless refreshed; this
// page's own connection is left out.

import { live } from "./live.js";

const PRUNE_MS = 5000;

// Milliseconds of an ISO time with any number of fraction digits.
function expiry(text) {
  return Date.parse(String(text).replace(/(\.\d{3})\d+/, "$1"));
}

export class PresenceBoard {
  constructor(caseId, onChange) {
    this.caseId = caseId;
    this.onChange = onChange;
    this.entries = new Map();
    live.on("present", (list) => {
      this.entries.clear();
      for (const entry of list || []) this.record(entry);
      this.changed();
    });
    live.on("presence", (entry) => {
      this.record(entry);
      this.changed();
    });
    live.on("reconnected", () => {
      this.entries.clear();
      this.changed();
    });
    setInterval(() => this.changed(), PRUNE_MS);
  }

  record(entry) {
    if (!entry || !entry.connection) return;
    if (entry.incident === this.caseId) this.entries.set(entry.connection, entry);
    else this.entries.delete(entry.connection);
  }

  // The others here now: [{user, editing}], one per connection.
  others() {
    const now = Date.now();
    const found = [];
    for (const [connection, entry] of this.entries) {
      if (expiry(entry.expires) <= now) {
        this.entries.delete(connection);
        continue;
      }
      if (connection !== live.connection) found.push({ user: entry.user, editing: entry.editing });
    }
    return found.sort((a, b) => String(a.user).localeCompare(String(b.user)));
  }

  changed() {
    this.onChange(this.others());
  }
}
