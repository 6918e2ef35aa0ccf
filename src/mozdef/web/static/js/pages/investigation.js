// /investigations/{id}: one investigation, edited as an incident is, and promoted
// to an incident when it turns out to be one.

import { CasePage } from "../casepage.js";

export const title = "Investigation";

export async function render(main, { me, params }) {
  await new CasePage(main, { me, kind: "investigations", id: params.id }).start();
}
