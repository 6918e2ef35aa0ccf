// The VERIS picker: type a few letters, pick a value (GET /api/v1/veris?q=); after
// a tag is added, the ATT&CK techniques the VERIS mapping relates to it are offered
// (GET /api/v1/veris/{path}/attack), each added to the case's techniques in a click.

import { get } from "./api.js";
import { debounce, el, errorText, replace } from "./dom.js";

export function verisPicker({ add, addTechnique }) {
  const search = el("input", { class: "veris-search", placeholder: "Search VERIS, e.g. brute force", size: 30, autocomplete: "off" });
  const results = el("ul", { class: "veris-results" });
  const suggestions = el("div", { class: "attack-suggestions" });

  const suggest = async (tagPath) => {
    try {
      const found = await get(`/api/v1/veris/${encodeURIComponent(tagPath)}/attack`);
      replace(
        suggestions,
        found.techniques.length ? el("span", { class: "muted" }, `ATT&CK for ${found.path}: `) : null,
        found.techniques.map((technique) =>
          el(
            "button",
            { type: "button", class: "suggestion", "data-technique": technique.id, onclick: () => addTechnique(technique.id) },
            `${technique.id} ${technique.name}`,
          ),
        ),
      );
    } catch (error) {
      replace(suggestions, el("p", { class: "notice error" }, errorText(error)));
    }
  };

  const pick = async (node) => {
    if (await add(node.path)) {
      search.value = "";
      replace(results);
      await suggest(node.path);
    }
  };

  const lookUp = debounce(async () => {
    const text = search.value.trim();
    if (text.length < 2) {
      replace(results);
      return;
    }
    try {
      const found = await get("/api/v1/veris", { q: text, limit: 15 });
      replace(
        results,
        found.results.map((node) =>
          el(
            "li",
            {},
            el("button", { type: "button", class: "link veris-option", "data-path": node.path, title: node.description || "", onclick: () => pick(node) }, node.path),
          ),
        ),
      );
    } catch (error) {
      replace(results, el("li", { class: "notice error" }, errorText(error)));
    }
  }, 250);
  search.addEventListener("input", lookUp);
  return el("div", { class: "veris-picker" }, search, results, suggestions);
}
