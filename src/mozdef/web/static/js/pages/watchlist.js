// /watchlist: terms the watch-list rule looks for in events.

import { EntryList, STATES } from "../entrylist.js";

export const title = "Watch list";

export async function render(main, { me }) {
  await new EntryList(main, me, {
    title: "Watch list",
    api: "/api/v1/watchlist",
    topic: null,
    filters: [
      ["state", "State", STATES, "active"],
      ["q", "Text", null],
    ],
    form: [
      ["term", "Term", { required: true, id: "watch-term", size: 24 }],
      ["field", "Field (optional)", { id: "watch-field", size: 18, placeholder: "any field" }],
      ["reason", "Reason", { required: true, id: "watch-reason", size: 30 }],
      ["expires", "Expires", { id: "watch-expires", size: 22, placeholder: "7d or an ISO time; empty: never" }],
    ],
    addLabel: "Watch",
    removeLabel: "Stop watching",
    describe: (entry) => `${entry.term}${entry.field ? ` in ${entry.field}` : ""}`,
    columns: [
      ["term", "Term"],
      ["field", "Field"],
      ["state", "State"],
      ["reason", "Reason"],
      ["created_by", "By"],
      ["created", "Created"],
      ["expires", "Expires"],
    ],
  }).start();
}
