/**
 * What of a request's result its customer may read. Under the `review` policy the result the
 * job composed is the AI's draft until staff send it (the job then completes): until then every
 * customer-facing view — the API's submission and result, the portal's list and page, the
 * account export, the mailed result link — sees no result, summary or sources, as if none was
 * written yet. Staff read the draft on the desk (`shared/desk/draft.ts`), not through these.
 */
import type { SubmissionRow } from "../db/schema";

/** Whether the result of `s` has reached its customer (always, under `auto`). */
export const resultReleased = (s: Pick<SubmissionRow, "reviewPolicy" | "status">): boolean =>
  s.reviewPolicy !== "review" || s.status === "completed";

/** `s` as its customer may see it: a draft's result, summary and sources left out. */
export function released<
  T extends Pick<SubmissionRow, "reviewPolicy" | "status" | "resultKey" | "summary" | "sources">,
>(s: T): T {
  return resultReleased(s) ? s : { ...s, resultKey: null, summary: null, sources: null };
}
