// /investigations: the investigations, a form to open one, and promotion to an incident.

import { CaseList } from "../caselist.js";

export const title = "Investigations";

export async function render(main, { me }) {
  await new CaseList(main, { me, kind: "investigations" }).start();
}
