// The page of one incident or investigation, edited by several handlers at once.
//
// Each field saves on its own (PATCH with that field's version); list fields add
// and remove items. Edits by others arrive over the live feed (incident.changed or
// investigation.changed: the case is read again and applied, see casefields.js for
// what happens to a field being edited), or every 5 s while the feed is down. This
// page tells the others where its user is ({"presence": {"incident", "editing"}})
// and shows who else is here and which field each is editing.

import { get, hasRole, patch, post, remove } from "./api.js";
import { FieldEditor, SCALARS } from "./casefields.js";
import { LISTS, ListSection } from "./caselists.js";
import { debounce, el, errorText, fmtTime, notice, replace } from "./dom.js";
import { live, pollWhileDown } from "./live.js";
import { PresenceBoard } from "./presence.js";

const TOPIC = { incidents: "incident.changed", investigations: "investigation.changed" };
const SINGULAR = { incidents: "Incident", investigations: "Investigation" };

export class CasePage {
  constructor(main, { me, kind, id }) {
    this.main = main;
    this.me = me;
    this.kind = kind;
    this.id = id;
    this.base = `/api/v1/${kind}/${encodeURIComponent(id)}`;
    this.analyst = hasRole(me, "analyst");
    this.case = null;
    this.title = el("h1", { id: "case-title" });
    this.here = el("p", { class: "presence", id: "presence" });
    this.meta = el("dl", { class: "facts", id: "case-meta" });
    this.message = el("div", { class: "messages", id: "case-message" });
    this.history = el("details", { class: "history", id: "case-history" });
    const hooks = {
      save: (name, value, version) => this.save(name, value, version),
      focus: (name) => this.presence(name),
      blur: () => this.presence(null),
    };
    this.editors = new Map(SCALARS[kind].map(([name, spec]) => [name, new FieldEditor(name, spec, hooks, { editable: this.analyst })]));
    const listHooks = {
      add: (field, body) => this.addItem(field, body),
      remove: (field, itemId) => this.removeItem(field, itemId),
      addTechnique: (technique) => this.addItem("techniques", { technique }),
    };
    this.lists = new Map(
      LISTS[kind].map(([name, label, spec]) => [name, new ListSection(name, label, spec, listHooks, { editable: this.analyst })]),
    );
    this.reload = debounce(() => this.load(), 200);
  }

  async start() {
    replace(
      this.main,
      this.title,
      this.here,
      this.message,
      this.meta,
      el("div", { class: "case-fields" }, [...this.editors.values()].map((editor) => editor.node)),
      el("div", { class: "case-lists" }, [...this.lists.values()].map((section) => section.node)),
      this.history,
    );
    this.history.append(el("summary", {}, "History"));
    this.history.addEventListener("toggle", () => this.history.open && this.loadHistory());
    if (!(await this.load())) return;
    this.board = new PresenceBoard(this.id, (others) => this.showPresence(others));
    live.on(TOPIC[this.kind], (payload) => payload && payload.id === this.id && this.reload());
    live.on("reconnected", () => this.reload());
    live.on("dropped", () => this.reload());
    pollWhileDown(() => this.load());
    this.presence(null);
  }

  async load() {
    try {
      this.apply(await get(this.base));
      return true;
    } catch (error) {
      const text = error.status === 404 ? `No ${SINGULAR[this.kind].toLowerCase()} ${this.id}.` : errorText(error);
      replace(this.message, notice("error", text));
      return false;
    }
  }

  apply(found) {
    this.case = found;
    this.title.textContent = `${SINGULAR[this.kind]}: ${found.summary}`;
    document.title = `${found.summary} · MozDef`;
    for (const [name, editor] of this.editors) editor.update(found[name], found.versions[name]);
    for (const [name, section] of this.lists) section.setItems(found[name]);
    this.drawMeta(found);
  }

  drawMeta(found) {
    const link = (kind, id) => el("a", { href: `/${kind}/${encodeURIComponent(id)}` }, id);
    const rows = [
      ["Id", found.id],
      ["Creator", found.creator],
      ["Last change", fmtTime(found.updated)],
    ];
    if (found.investigation) rows.push(["From investigation", link("investigations", found.investigation)]);
    if (found.incident) rows.push(["Promoted to incident", link("incidents", found.incident)]);
    const promote =
      this.kind === "investigations" && !found.incident && this.analyst
        ? el("button", { type: "button", id: "promote", onclick: () => this.promote() }, "Promote to incident")
        : null;
    replace(this.meta, rows.map(([name, value]) => [el("dt", {}, name), el("dd", {}, value ?? "")]), promote ? el("dd", {}, promote) : null);
  }

  async save(name, value, version) {
    const saved = await patch(this.base, { [name]: { value, version } });
    this.editors.get(name).saved(saved[name], saved.versions[name]);
    this.apply(saved);
    return saved;
  }

  async addItem(field, body) {
    await post(`${this.base}/${field}`, body);
    await this.load();
  }

  async removeItem(field, itemId) {
    await remove(`${this.base}/${field}/${encodeURIComponent(itemId)}`);
    await this.load();
  }

  async promote() {
    try {
      const made = await post(`${this.base}/promote`);
      location.assign(`/incidents/${encodeURIComponent(made.id)}`);
    } catch (error) {
      replace(this.message, notice("error", `Not promoted: ${errorText(error)}`));
    }
  }

  presence(editing) {
    live.setPresence({ incident: this.id, editing: this.analyst ? editing : null });
  }

  showPresence(others) {
    this.here.textContent = others.length
      ? `Also here: ${others.map((one) => (one.editing ? `${one.user} (editing ${one.editing})` : one.user)).join(", ")}`
      : "";
    for (const [name, editor] of this.editors) {
      editor.setEditors(others.filter((one) => one.editing === name).map((one) => one.user));
    }
  }

  async loadHistory() {
    try {
      const found = await get(`${this.base}/history`);
      replace(
        this.history,
        el("summary", {}, "History"),
        el(
          "ol",
          {},
          found.history.map((entry) =>
            el("li", {}, `${fmtTime(entry.at)} ${entry.actor} ${entry.action} ${entry.field || "(case)"}`),
          ),
        ),
      );
      this.history.open = true;
    } catch (error) {
      this.history.append(notice("error", errorText(error)));
    }
  }
}
