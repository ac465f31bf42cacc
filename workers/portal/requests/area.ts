/**
 * What every page of the portal's requests area shares: the messages its redirects carry (by
 * `?m=` code), its page renderer over the kit's, and the lookup of a request the signed-in user
 * may see.
 */
import type { Context } from "hono";
import { db } from "../../../shared/db/client";
import { HttpProblem } from "../../../shared/http/problem";
import { findSubmission } from "../../../shared/submissions/repo";
import type { AppEnv } from "../../app-env";
import { type Flashes, pageFor } from "../kit";

/** The outcomes of cancel, retry and review, shown on the page a control redirects back to. */
export const controlFlashes: Flashes = {
  cancelled: { kind: "ok", text: "The request is cancelled." },
  retried: { kind: "ok", text: "The request runs again from the step that failed." },
  "not-cancellable": { kind: "bad", text: "The request has already finished; it cannot be cancelled." },
  "not-retryable": { kind: "bad", text: "Only a failed request can be retried." },
  approved: { kind: "ok", text: "Approved: the result is being delivered." },
  rejected: { kind: "ok", text: "Rejected: the request is marked failed and its owner told." },
  "not-reviewable": { kind: "bad", text: "This request is not waiting for review." },
  "message-sent": { kind: "ok", text: "Sent: your message is in the conversation below." },
  "message-refused": { kind: "bad", text: "The message is empty or too long (20,000 characters at most)." },
};

/** A page of the requests area, in the layout. */
export const page = pageFor(controlFlashes);

/** A request the signed-in user may see (owner or admin), or the portal's 404 page. */
export async function ownRequest(c: Context<AppEnv>, id: string) {
  const found = await findSubmission(db(c.env.DB), id, c.get("user"));
  if (!found) throw new HttpProblem(404, "not-found", "Request not found", "You have no request with that id.");
  return found;
}
