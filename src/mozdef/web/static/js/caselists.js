// The list fields of a case (notes, timeline, indicators, VERIS tags, ATT&CK
// techniques, linked alerts and events...): each shows its items and, for an
// analyst, a form to add one and a button to remove each. Adding and removing go
// through the list routes (POST /{field}, DELETE /{field}/{item_id}), which never
// conflict with what another handler adds at the same time.

import { alertPath } from "./alertview.js";
import { el, externalLink, fmtTime, path, replace, safeUrl, select } from "./dom.js";
import { lucenePhrase } from "./lucene.js";
import { fromLocalInput } from "./timerange.js";
import { verisPicker } from "./veris.js";

export const INDICATOR_TYPES = ["ipv4", "ipv6", "cidr", "hostname", "fqdn", "md5", "sha1", "sha256", "account", "url", "email"];

const ENTRY = { kind: "entry" };
export const LISTS = {
  incidents: [
    ["notes", "Notes", ENTRY],
    ["timeline", "Timeline", { kind: "timeline" }],
    ["indicators", "Indicators", { kind: "indicator" }],
    ["veris", "VERIS", { kind: "veris" }],
    ["techniques", "ATT&CK techniques", { kind: "technique" }],
    ["theories", "Theories", ENTRY],
    ["mitigations", "Mitigations", ENTRY],
    ["lessons", "Lessons learned", ENTRY],
    ["references", "References", { kind: "entry", links: true }],
    ["alerts", "Alerts", { kind: "alert" }],
    ["events", "Events", { kind: "event" }],
  ],
  investigations: [
    ["notes", "Notes", ENTRY],
    ["indicators", "Indicators", { kind: "indicator" }],
    ["alerts", "Alerts", { kind: "alert" }],
    ["events", "Events", { kind: "event" }],
  ],
};

function content(item, spec) {
  switch (spec.kind) {
    case "timeline":
      return [el("strong", {}, fmtTime(item.time)), " ", el("span", { class: "text" }, item.text)];
    case "indicator":
      return [el("code", {}, item.type), " ", el("span", { class: "value" }, item.value), item.note ? ` — ${item.note}` : ""];
    case "veris":
      return el("span", { class: "value" }, item.path);
    case "technique":
      return [el("code", {}, item.technique), item.name ? ` ${item.name}` : ""];
    case "alert":
      return el("a", { href: alertPath(item.alert_id) }, item.alert_id);
    case "event":
      return el("a", { href: path("/search", { q: `id:${lucenePhrase(item.event_id)}`, start: "90d" }) }, `${item.index}/${item.event_id}`);
    default:
      return spec.links && safeUrl(item.text) ? externalLink(item.text) : el("span", { class: "text" }, item.text);
  }
}

export class ListSection {
  // hooks: {add(field, body) -> Promise, remove(field, itemId) -> Promise, addTechnique(id)}
  constructor(name, label, spec, hooks, { editable }) {
    this.name = name;
    this.spec = spec;
    this.hooks = hooks;
    this.editable = editable;
    this.items = el("ul", { class: "items" });
    this.message = el("div", { class: "field-message" });
    this.node = el(
      "section",
      { class: "list-field", "data-list": name },
      el("h3", {}, label),
      this.items,
      editable ? this.form() : null,
      this.message,
    );
  }

  setItems(items) {
    replace(
      this.items,
      (items || []).map((item) =>
        el(
          "li",
          { "data-item": item.id },
          content(item, this.spec),
          el("span", { class: "by muted" }, ` ${item.by}, ${fmtTime(item.at)}`),
          this.editable
            ? el("button", { type: "button", class: "link remove", title: "Remove", onclick: () => this.remove(item.id) }, "remove")
            : null,
        ),
      ),
    );
  }

  async remove(itemId) {
    await this.run(() => this.hooks.remove(this.name, itemId));
  }

  async run(action) {
    try {
      await action();
      replace(this.message);
      return true;
    } catch (error) {
      replace(this.message, el("p", { class: "notice error" }, error.message));
      return false;
    }
  }

  form() {
    if (this.spec.kind === "veris") {
      return verisPicker({
        add: (tagPath) => this.run(() => this.hooks.add(this.name, { path: tagPath })),
        addTechnique: (technique) => this.hooks.addTechnique(technique),
      });
    }
    const inputs = this.inputs();
    const form = el("form", { class: "add-item", "data-add": this.name }, Object.values(inputs), el("button", { type: "submit" }, "Add"));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (await this.run(() => this.hooks.add(this.name, this.body(inputs)))) form.reset();
    });
    return form;
  }

  inputs() {
    const text = (name, placeholder, size = 30) => el("input", { name, placeholder, size });
    switch (this.spec.kind) {
      case "timeline":
        return { time: el("input", { name: "time", type: "datetime-local", step: 1, title: "UTC" }), text: text("text", "What happened") };
      case "indicator":
        return { type: select({ name: "type" }, INDICATOR_TYPES, "ipv4"), value: text("value", "Value"), note: text("note", "Note", 20) };
      case "technique":
        return { technique: text("technique", "T1110", 10) };
      case "alert":
        return { alert_id: text("alert_id", "Alert id") };
      case "event":
        return { index: text("index", "Index, e.g. events-20261204", 22), event_id: text("event_id", "Event id") };
      default:
        return { text: el("textarea", { name: "text", rows: 2, placeholder: "Add…" }) };
    }
  }

  body(inputs) {
    const values = Object.fromEntries(Object.entries(inputs).map(([name, input]) => [name, input.value]));
    if (this.spec.kind === "timeline") values.time = fromLocalInput(values.time) || null;
    return values;
  }
}
