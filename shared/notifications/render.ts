/**
 * Event → message: the text of one delivery-log row for its channel and locale, rendered from
 * the template in force and the stored facts of the event (the submission, its result, the API
 * key, the digest, the thread message), with the unsubscribe link, and for email the mail
 * headers and the request's mail thread.
 */
import { and, eq } from "drizzle-orm";
import { db } from "../db/client";
import {
  apiKeys,
  type Channel,
  type NotificationEvent,
  type NotificationRow,
  STAFF_EVENTS,
  submissionMessages,
  submissions,
  type UserRow,
  users,
} from "../db/schema";
import { emailThreadFor, resultForMail } from "../mail/thread";
import { alertVars } from "../slo/alert-vars";
import { parseMailbox } from "./compose";
import { DeliveryError } from "./delivery-error";
import { digestVars } from "./digest-vars";
import { messageIdOf } from "./notification-id";
import { loadTemplate, renderFor, toLocale } from "./templates";
import { unsubscribeUrl } from "./unsubscribe";

const base = (env: Env) => env.PUBLIC_BASE_URL.replace(/\/+$/, "");

/** Template variables of the row's event, from the stored facts (never from the message). */
async function eventVars(env: Env, row: NotificationRow, user: UserRow | null): Promise<Record<string, string>> {
  const d = db(env.DB);
  const name = user?.name || (user?.email ?? row.recipient).split("@")[0] || "";
  const event = row.event as NotificationEvent;
  if (row.submissionId) {
    const [s] = await d.select().from(submissions).where(eq(submissions.id, row.submissionId)).limit(1);
    if (!s) throw new DeliveryError(`unknown submission ${row.submissionId}`, false);
    const link = s.userId ? `${base(env)}/app/requests/${s.id}` : `${base(env)}/v1/submissions/${s.id}`;
    if (event === "staff.new_request" || event === "staff.draft_ready") {
      const source = { api: "API", portal: "portal", email: "email" }[s.source];
      const excerpt = (s.excerpt ?? "").slice(0, 200);
      // Staff work on a request at the desk.
      return { name, id: s.id, link: `${base(env)}/app/desk/${s.id}`, customer: s.email, source, excerpt };
    }
    if (event === "submission.replied" || event === "staff.customer_replied") {
      const messageId = messageIdOf(row.id) ?? "";
      const [m] = await d
        .select({ body: submissionMessages.body, channel: submissionMessages.channel })
        .from(submissionMessages)
        .where(and(eq(submissionMessages.id, messageId), eq(submissionMessages.submissionId, s.id)))
        .limit(1);
      if (!m) throw new DeliveryError(`unknown message ${messageId}`, false);
      if (event === "submission.replied") return { name, id: s.id, link, requestId: s.correlationId, reply: m.body };
      const excerpt = m.body.replace(/\s+/g, " ").trim();
      return {
        name,
        id: s.id,
        link: `${base(env)}/app/desk/${s.id}`,
        customer: s.email,
        channel: { portal: "the portal", api: "the API", email: "email", desk: "the desk" }[m.channel],
        excerpt: excerpt.length > 200 ? `${excerpt.slice(0, 199)}…` : excerpt,
      };
    }
    const vars: Record<string, string> = { name, id: s.id, link, requestId: s.correlationId };
    if (event === "submission.failed") vars.reason = s.error ?? "The request could not be processed.";
    if (event === "submission.completed") {
      const object = s.resultKey ? await env.FILES.get(s.resultKey) : null;
      if (!object) throw new DeliveryError("the result is not stored yet", true);
      // Whole when it fits a mailbox; else its opening and a signed link to the rest.
      vars.result = await resultForMail(env, s.id, (await object.text()).trim());
      vars.summary = s.summary ?? "";
    }
    return vars;
  }
  if (event === "alert.firing" || event === "alert.resolved") return { name, ...(await alertVars(env, row.id)) };
  const time = `${new Date(row.createdAt).toISOString().replace("T", " ").slice(0, 16)} UTC`;
  if (event === "account.api_key_created") {
    const subject = row.id.split(":")[0] ?? "";
    const [key] = await d.select({ name: apiKeys.name }).from(apiKeys).where(eq(apiKeys.id, subject)).limit(1);
    return { name, link: `${base(env)}/app/profile`, keyName: key?.name ?? "?", time };
  }
  if (event === "account.password_changed") return { name, link: `${base(env)}/auth/reset`, time };
  if ((event === "digest.daily" || event === "staff.digest") && user)
    return { name, ...(await digestVars(env, row, user)) };
  return { name, link: `${base(env)}/app` };
}

/** Renders the row's template for its channel and locale, with the unsubscribe link and mail headers. */
export async function renderMessage(env: Env, row: NotificationRow) {
  const d = db(env.DB);
  const channel = row.channel as Channel;
  const event = row.event as NotificationEvent;
  const [user = null] = row.userId ? await d.select().from(users).where(eq(users.id, row.userId)).limit(1) : [];
  const locale = toLocale(row.locale ?? user?.locale);
  const vars = await eventVars(env, row, user);
  const template = await loadTemplate(env, event, channel, locale);
  const unsubscribe = row.userId ? await unsubscribeUrl(env, row.userId, event, channel) : undefined;
  const rendered = renderFor(channel, template, vars, { locale, unsubscribeUrl: unsubscribe });
  const from = parseMailbox(env.MAIL_FROM);
  const headers: Record<string, string> = {};
  if (row.submissionId) headers["X-StateX-Submission"] = row.submissionId;
  if (row.correlationId) headers["X-Request-Id"] = row.correlationId;
  if (unsubscribe) {
    // RFC 2369 + RFC 8058: mail clients offer one-click unsubscribe, POSTing to the same URL.
    headers["List-Unsubscribe"] = `<${unsubscribe}>`;
    headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";
  }
  // Mail to the customer about a request goes in the request's one thread: `Re:` its subject,
  // In-Reply-To/References its latest messages, and the signed Reply-To that joins the answer
  // to it (shared/mail/thread.ts). Staff are told about a request, never put in its thread.
  const toCustomer = !STAFF_EVENTS.includes(event);
  const thread =
    channel === "email" && row.submissionId && toCustomer ? await emailThreadFor(env, row.submissionId) : null;
  if (thread?.inReplyTo) {
    headers["In-Reply-To"] = `<${thread.inReplyTo}>`;
    const chain = [...thread.references.filter((r) => r !== thread.inReplyTo), thread.inReplyTo].slice(-20);
    headers.References = chain.map((r) => `<${r}>`).join(" ");
  }
  if (thread?.replyTo) headers["Reply-To"] = thread.replyTo;
  return {
    to: row.recipient,
    subject: thread?.subject ?? rendered.subject,
    text: rendered.text,
    html: rendered.html,
    headers,
    /** Whether the mail belongs to its request's thread (what the sender records once it is sent). */
    threaded: thread !== null,
    messageId: `${row.id.replace(/[^A-Za-z0-9._-]/g, ".")}@${from.addr.split("@")[1] ?? "statex.localhost"}`,
  };
}
