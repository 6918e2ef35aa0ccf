// /incidents/{id}: one incident, edited live by several handlers (see casepage.js).

import { CasePage } from "../casepage.js";

export const title = "Incident";

export async function render(main, { me, params }) {
  await new CasePage(main, { me, kind: "incidents", id: params.id }).start();
}
