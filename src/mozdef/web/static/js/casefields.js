// The editor of one field of an incident or investigation, and the fields of each kind.
//
// Every field has a version; an edit is saved as {field: {value, version}} with the
// version the editor showed when the handler started typing. What another handler
// saves meanwhile never replaces what this one is typing: the editor keeps the
// text, says what the newer value is, and keeps the old version, so that saving is
// refused (409) and the editor asks which value to keep. An editor with no local
// edit takes the newer value at once.

import { el, fmtTime, replace, select } from "./dom.js";
import { fromLocalInput, toLocalInput } from "./timerange.js";

export const PHASES = ["identification", "containment", "eradication", "recovery", "lessons learned"];

const SHARED_HEAD = [
  ["summary", { label: "Summary", type: "text" }],
  ["description", { label: "Description", type: "textarea" }],
];
const PEOPLE = [
  ["status", { label: "Status", type: "select", options: ["open", "closed"] }],
  ["assignee", { label: "Assignee", type: "name" }],
  ["opened", { label: "Opened (UTC)", type: "time" }],
];
const DATES = ["reported", "verified", "mitigated", "contained", "closed"].map((name) => [
  name,
  { label: `${name[0].toUpperCase()}${name.slice(1)} (UTC)`, type: "time" },
]);

export const SCALARS = {
  incidents: [...SHARED_HEAD, ["phase", { label: "Phase", type: "select", options: PHASES }], ...PEOPLE, ...DATES],
  investigations: [...SHARED_HEAD, ...PEOPLE],
};

function toInput(type, value) {
  if (value === null || value === undefined) return "";
  return type === "time" ? toLocalInput(value) : String(value);
}

function fromInput(type, text) {
  if (type === "time") return fromLocalInput(text) || null;
  if (type === "name") return text.trim() || null;
  return text;
}

function shown(type, value) {
  if (value === null || value === undefined || value === "") return "(empty)";
  return type === "time" ? fmtTime(value) : String(value);
}

export class FieldEditor {
  // hooks: {save(name, value, version) -> Promise<case>, focus(name), blur(name)}
  constructor(name, spec, hooks, { editable }) {
    this.name = name;
    this.spec = spec;
    this.hooks = hooks;
    this.value = undefined;
    this.version = undefined;
    this.dirty = false;
    this.newer = null;
    this.input = this.makeInput(editable);
    this.saveButton = el("button", { type: "button", class: "save", hidden: true, onclick: () => this.save() }, "Save");
    this.editors = el("span", { class: "editing-by" });
    this.message = el("div", { class: "field-message", "aria-live": "polite" });
    this.node = el(
      "div",
      { class: `field field-${spec.type}`, "data-field": name },
      el("label", { for: `field-${name}` }, spec.label, " ", this.editors),
      el("div", { class: "field-input" }, this.input, this.saveButton),
      this.message,
    );
  }

  makeInput(editable) {
    const id = `field-${this.name}`;
    let input;
    if (this.spec.type === "textarea") input = el("textarea", { id, rows: 4 });
    else if (this.spec.type === "select") input = select({ id }, this.spec.options, "");
    else if (this.spec.type === "time") input = el("input", { id, type: "datetime-local", step: 1 });
    else input = el("input", { id, type: "text" });
    input.disabled = !editable;
    input.addEventListener("input", () => this.edited());
    input.addEventListener("change", () => {
      this.edited();
      if (this.spec.type === "select" && this.dirty) this.save();
    });
    input.addEventListener("focus", () => this.hooks.focus(this.name));
    input.addEventListener("blur", () => this.hooks.blur(this.name));
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && this.spec.type !== "textarea") {
        event.preventDefault();
        this.save();
      }
    });
    return input;
  }

  edited() {
    this.dirty = this.input.value !== toInput(this.spec.type, this.value);
    this.saveButton.hidden = !this.dirty;
    if (!this.dirty && this.newer) {
      const { value, version } = this.newer;
      this.newer = null;
      this.saved(value, version);
    }
  }

  // The value and version the server has now.
  update(value, version) {
    if (version === this.version) return;
    const first = this.version === undefined;
    if (this.dirty) {
      // The conflict panel for this very version is already up: keep its choices.
      if (this.conflictVersion === version) return;
      this.say("newer", `Changed meanwhile by someone else to: ${shown(this.spec.type, value)}. Your edit is not saved yet.`);
      this.newer = { value, version };
      return;
    }
    this.newer = null;
    this.value = value;
    this.version = version;
    this.input.value = toInput(this.spec.type, value);
    if (!first) this.say("changed", "Changed by someone else.");
  }

  async save() {
    if (!this.dirty) return;
    const value = fromInput(this.spec.type, this.input.value);
    try {
      await this.hooks.save(this.name, value, this.version);
      this.dirty = false;
      this.newer = null;
      this.saveButton.hidden = true;
      this.say("ok", "Saved.");
    } catch (error) {
      const conflict = error.status === 409 && error.body && error.body.error && error.body.error.conflicts;
      if (conflict && conflict[this.name]) this.conflict(value, conflict[this.name]);
      else this.say("error", `Not saved: ${error.message}`);
    }
  }

  // Called with the saved case: this editor's new value and version.
  saved(value, version) {
    this.value = value;
    this.version = version;
    this.input.value = toInput(this.spec.type, value);
  }

  conflict(mine, current) {
    this.conflictVersion = current.version;
    const theirs = el("pre", { class: "theirs" }, shown(this.spec.type, current.value));
    const keepTheirs = el("button", { type: "button", class: "use-theirs", onclick: () => {
      this.dirty = false;
      this.newer = null;
      this.saveButton.hidden = true;
      this.saved(current.value, current.version);
      this.say("ok", "Kept the newer value.");
    } }, "Use the newer value");
    const keepMine = el("button", { type: "button", class: "use-mine", onclick: () => {
      this.version = current.version;
      this.save();
    } }, "Save mine over it");
    replace(
      this.message,
      el(
        "div",
        { class: "conflict", role: "alert" },
        el("p", {}, `Someone else saved ${this.spec.label.toLowerCase()} meanwhile; yours is not saved. The newer value:`),
        theirs,
        el("p", {}, "Yours:"),
        el("pre", { class: "mine" }, shown(this.spec.type, mine)),
        keepTheirs,
        keepMine,
      ),
    );
  }

  say(kind, text) {
    replace(this.message, el("p", { class: `notice ${kind}` }, text));
  }

  setEditors(names) {
    this.editors.textContent = names.length ? `(${names.join(", ")} editing)` : "";
  }
}
