// Saved searches, kept in this browser's localStorage (per browser and per user
// profile, not shared with other handlers or kept on the server).

const KEY = "mozdef.saved-searches";

export function savedSearches() {
  try {
    const found = JSON.parse(localStorage.getItem(KEY) || "[]");
    return Array.isArray(found) ? found.filter((entry) => entry && typeof entry.name === "string") : [];
  } catch {
    return [];
  }
}

export function saveSearch(entry) {
  const kept = savedSearches().filter((one) => one.name !== entry.name);
  kept.push(entry);
  kept.sort((a, b) => a.name.localeCompare(b.name));
  localStorage.setItem(KEY, JSON.stringify(kept));
}

export function forgetSearch(name) {
  localStorage.setItem(KEY, JSON.stringify(savedSearches().filter((one) => one.name !== name)));
}
