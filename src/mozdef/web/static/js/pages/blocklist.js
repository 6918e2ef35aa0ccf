// /blocklist: addresses, networks and host names blocked, with the firewall
// exports (plain text, active entries only) linked.

import { EntryList, STATES } from "../entrylist.js";
import { el } from "../dom.js";

export const title = "Block list";

const EXPIRES = { placeholder: "7d, now+12h or an ISO time; empty: never", size: 26 };

export async function render(main, { me }) {
  await new EntryList(main, me, {
    title: "Block list",
    api: "/api/v1/blocklist",
    topic: "blocklist.changed",
    intro: el(
      "p",
      { class: "exports" },
      "Exports for firewalls: ",
      el("a", { href: "/api/v1/blocklist/ip.txt", id: "export-ip", target: "_blank" }, "ip.txt"),
      " ",
      el("a", { href: "/api/v1/blocklist/fqdn.txt", id: "export-fqdn", target: "_blank" }, "fqdn.txt"),
    ),
    filters: [
      ["kind", "Kind", [["", "any"], ["ip", "ip"], ["fqdn", "fqdn"]]],
      ["state", "State", STATES, "active"],
      ["q", "Text or address", null],
    ],
    form: [
      ["value", "Address, network or host name", { required: true, id: "block-value", size: 24 }],
      ["kind", "Kind", [["", "guess"], ["ip", "ip"], ["fqdn", "fqdn"]]],
      ["reason", "Reason", { required: true, id: "block-reason", size: 30 }],
      ["expires", "Expires", { ...EXPIRES, id: "block-expires" }],
    ],
    addLabel: "Block",
    removeLabel: "Unblock",
    describe: (entry) => `${entry.value} (${entry.kind})`,
    columns: [
      ["value", "Value"],
      ["kind", "Kind"],
      ["state", "State"],
      ["reason", "Reason"],
      ["created_by", "By"],
      ["created", "Created"],
      ["expires", "Expires"],
      ["removed_by", "Removed by"],
    ],
  }).start();
}
