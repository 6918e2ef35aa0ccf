// /incidents: the incidents, newest first, and a form to open one.

import { CaseList } from "../caselist.js";

export const title = "Incidents";

export async function render(main, { me }) {
  await new CaseList(main, { me, kind: "incidents" }).start();
}
