// The process's own status (GET /status, open, answered 503 while it does not
// accept events): what the health and metrics pages read until richer health and
// metrics APIs are there to read instead.

// {status, ready, accepting, reason, version, counters}, whatever the HTTP status.
export async function readStatus() {
  const answer = await fetch("/status", { headers: { Accept: "application/json" }, credentials: "same-origin" });
  const body = await answer.json();
  return { ...body, httpStatus: answer.status };
}

// Nested counters as [dotted name, value] pairs, numbers and texts alike.
export function flatten(value, prefix = "") {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [[prefix, value]];
  const pairs = [];
  for (const [name, inner] of Object.entries(value)) {
    pairs.push(...flatten(inner, prefix ? `${prefix}.${name}` : name));
  }
  return pairs;
}
