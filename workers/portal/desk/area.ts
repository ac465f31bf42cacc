/**
 * What every page of the staff desk shares: the guard that lets only staff and admins in (a
 * user gets the 404 an unknown page gets, as `requireAdmin` answers for the admin area), the
 * messages its redirects carry (by `?m=` code), its page renderer over the kit's, the lookup of
 * a request, and the one-time keys that make a form's send idempotent.
 */

import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { randomToken } from "../../../shared/crypto";
import { db } from "../../../shared/db/client";
import { isStaff, type SubmissionRow, type UserRow, users } from "../../../shared/db/schema";
import type { ReplyContext } from "../../../shared/desk/saved-replies";
import { HttpProblem } from "../../../shared/http/problem";
import { findSubmission } from "../../../shared/submissions/repo";
import type { AppEnv } from "../../app-env";
import { type Flashes, pageFor } from "../kit";

const notFound = (c: Context<AppEnv>) =>
  new HttpProblem(404, "not-found", "Not Found", `Nothing is served at ${c.req.method} ${c.req.path}.`);

/** Staff and admins only; anyone else is told there is nothing here. */
export const requireStaff = createMiddleware<AppEnv>(async (c, next) => {
  if (!isStaff(c.get("user").role)) throw notFound(c);
  await next();
});

/** The outcomes of the desk's forms, shown on the page a form redirects back to. */
export const deskFlashes: Flashes = {
  "reply-sent": { kind: "ok", text: "Reply sent to the customer." },
  "note-added": { kind: "ok", text: "Internal note added. The customer does not see it." },
  assigned: { kind: "ok", text: "Assigned." },
  unassigned: { kind: "ok", text: "Nobody is assigned now." },
  "no-change": { kind: "info", text: "Nothing to change: it already was so." },
  resolved: { kind: "ok", text: "Resolved. A message from the customer reopens it." },
  reopened: { kind: "ok", text: "Reopened." },
  "draft-sent": { kind: "ok", text: "The answer is on its way to the customer." },
  "draft-discarded": {
    kind: "ok",
    text: "Draft discarded: the customer was told nothing. Write your own reply below.",
  },
  "draft-conflict": {
    kind: "bad",
    text: "Someone decided on this draft first (sent, discarded or cancelled): nothing was sent. The thread shows what happened.",
  },
  "draft-gone": { kind: "bad", text: "This request has no job waiting for review." },
  "reply-saved": { kind: "ok", text: "Saved reply stored." },
  "reply-updated": { kind: "ok", text: "Saved reply changed." },
  "reply-deleted": { kind: "ok", text: "Saved reply deleted." },
  "reply-missing": { kind: "bad", text: "That saved reply no longer exists." },
};

/** A page of the desk, in the layout. */
export const page = pageFor(deskFlashes);

/** A request on the desk (staff see every request), or the portal's 404 page. */
export async function deskRequest(c: Context<AppEnv>, id: string) {
  const found = await findSubmission(db(c.env.DB), id, c.get("user"));
  if (!found) throw new HttpProblem(404, "not-found", "Request not found", "There is no request with that id.");
  return found;
}

/** A fresh one-time key for a send form: the same key twice is the same send. */
export const newClientKey = () => `desk_${randomToken(18)}`;

const CLIENT_KEY = /^desk_[A-Za-z0-9_-]{16,40}$/;

/** The form's one-time key, if it is one the desk made; else a refusal (the form is not ours). */
export function clientKeyOf(value: string): string {
  if (!CLIENT_KEY.test(value))
    throw new HttpProblem(400, "bad-request", "Bad Request", "The form is missing its one-time key; reload the page.");
  return value;
}

/** The account of a request's customer, if it has one. */
export async function customerOf(c: Context<AppEnv>, s: Pick<SubmissionRow, "userId">) {
  if (!s.userId) return null;
  const [row] = await db(c.env.DB)
    .select({ id: users.id, email: users.email, name: users.name, createdAt: users.createdAt })
    .from(users)
    .where(eq(users.id, s.userId))
    .limit(1);
  return row ?? null;
}

/**
 * What a saved reply's variables are filled with for request `s` answered by `agent`: a
 * customer without a name is greeted by address.
 */
export const replyContext = (
  customer: { name: string; email: string } | null,
  s: Pick<SubmissionRow, "id" | "email">,
  agent: Pick<UserRow, "name" | "email">,
): ReplyContext => ({
  "customer.name": customer?.name || s.email,
  "customer.email": customer?.email ?? s.email,
  "request.id": s.id,
  "agent.name": agent.name || agent.email,
});
