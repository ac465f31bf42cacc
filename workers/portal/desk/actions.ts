/**
 * The forms of a request's desk page, each through the desk's core (`shared/desk/`) and each
 * written to the audit trail with its actor: reply, internal note, assign, resolve / reopen,
 * and the AI's draft sent or discarded. A done action redirects back with its `?m=` flash; a
 * preview, an inserted saved reply or a refusal draws the page again with the text kept.
 */
import type { Context } from "hono";
import { db } from "../../../shared/db/client";
import { discardDraft, draftOf, sendDraft } from "../../../shared/desk/draft";
import { MessageRefused, postMessage } from "../../../shared/desk/messages";
import { sendReply } from "../../../shared/desk/reply";
import { fillReply, findSavedReply } from "../../../shared/desk/saved-replies";
import { assign, DeskRefused, setDeskStatus } from "../../../shared/desk/state";
import { HttpProblem } from "../../../shared/http/problem";
import { renderMarkdown } from "../../../shared/markdown";
import type { AppEnv } from "../../app-env";
import { audit } from "../../audit";
import { formOf, str } from "../kit";
import { clientKeyOf, customerOf, deskRequest, replyContext } from "./area";
import { deskRequestPage } from "./request";

type DeskContext = Context<AppEnv, "/:id/:action">;

const back = (c: DeskContext, id: string, m: string, anchor = "") => c.redirect(`/app/desk/${id}?m=${m}${anchor}`, 303);
const bad = (text: string) => ({ kind: "bad" as const, text });
const previewOf = (body: string) => (body.trim() ? renderMarkdown(body) : "<p><em>Nothing to preview yet.</em></p>");

/** `POST /app/desk/:id/reply`: preview, insert a saved reply, or send. */
export async function replyAction(c: DeskContext) {
  const form = await formOf(c);
  const id = c.req.param("id");
  const { submission } = await deskRequest(c, id);
  const clientKey = clientKeyOf(str(form.clientKey));
  const body = str(form.body);
  const intent = str(form.intent);
  const me = c.get("user");
  if (intent === "insert") {
    const saved = await findSavedReply(db(c.env.DB), str(form.saved));
    if (!saved)
      return deskRequestPage(c, id, { reply: { body, clientKey } }, bad("That saved reply no longer exists."), 422);
    const filled = fillReply(saved.body, replyContext(await customerOf(c, submission), submission, me));
    return deskRequestPage(c, id, {
      reply: { body: body.trim() ? `${body.trimEnd()}\n\n${filled}` : filled, clientKey },
    });
  }
  if (intent !== "send") return deskRequestPage(c, id, { reply: { body, clientKey, preview: previewOf(body) } });
  try {
    const { message, created } = await sendReply(
      c.env,
      { submissionId: id, authorId: me.id, body, clientKey, correlationId: c.get("requestId") },
      c.get("log"),
    );
    if (created)
      await audit(c, {
        action: "desk.reply_sent",
        targetType: "submission",
        targetId: id,
        before: { deskStatus: submission.deskStatus },
        after: { messageId: message.id, deskStatus: "waiting" },
      });
    return back(c, id, "reply-sent", `#${message.id}`);
  } catch (error) {
    if (error instanceof MessageRefused)
      return deskRequestPage(c, id, { reply: { body, clientKey } }, bad(error.message), 422);
    throw error;
  }
}

/** `POST /app/desk/:id/note`: an internal note (idempotent by its form's key). */
export async function noteAction(c: DeskContext) {
  const form = await formOf(c);
  const id = c.req.param("id");
  const { submission } = await deskRequest(c, id);
  const clientKey = clientKeyOf(str(form.clientKey));
  const body = str(form.body);
  try {
    const { message, created } = await postMessage(db(c.env.DB), {
      submissionId: id,
      kind: "note",
      channel: "desk",
      authorId: c.get("user").id,
      body,
      clientKey,
    });
    if (created)
      await audit(c, {
        action: "desk.note_added",
        targetType: "submission",
        targetId: id,
        before: { deskStatus: submission.deskStatus },
        after: { messageId: message.id },
      });
    return back(c, id, "note-added", `#${message.id}`);
  } catch (error) {
    if (error instanceof MessageRefused)
      return deskRequestPage(c, id, { note: { body, clientKey } }, bad(error.message), 422);
    throw error;
  }
}

/** `POST /app/desk/:id/assign`: to me, to a member of staff, or to nobody. */
export async function assignAction(c: DeskContext) {
  const form = await formOf(c);
  const id = c.req.param("id");
  await deskRequest(c, id);
  const choice = str(form.quick) || str(form.assignee);
  const me = c.get("user").id;
  const to = choice === "me" ? me : choice === "none" || choice === "" ? null : choice.slice(0, 64);
  try {
    const change = await assign(db(c.env.DB), id, to);
    if (!change.changed) return back(c, id, "no-change");
    await audit(c, {
      action: "desk.assigned",
      targetType: "submission",
      targetId: id,
      before: { assigneeId: change.before },
      after: { assigneeId: change.after },
    });
    return back(c, id, to === null ? "unassigned" : "assigned");
  } catch (error) {
    if (error instanceof DeskRefused) return deskRequestPage(c, id, {}, bad(error.message), 422);
    throw error;
  }
}

/** `POST /app/desk/:id/status`: resolve or reopen. */
export async function statusAction(c: DeskContext) {
  const form = await formOf(c);
  const id = c.req.param("id");
  await deskRequest(c, id);
  const status = str(form.status);
  if (status !== "resolved" && status !== "open")
    throw new HttpProblem(400, "bad-request", "Bad Request", "The status must be resolved or open.");
  const change = await setDeskStatus(db(c.env.DB), id, status);
  if (!change.changed) return back(c, id, "no-change");
  await audit(c, {
    action: status === "resolved" ? "desk.resolved" : "desk.reopened",
    targetType: "submission",
    targetId: id,
    before: { deskStatus: change.before },
    after: { deskStatus: change.after },
  });
  return back(c, id, status === "resolved" ? "resolved" : "reopened");
}

/** `POST /app/desk/:id/draft`: preview the edited draft, send it, or discard it. */
export async function draftAction(c: DeskContext) {
  const form = await formOf(c);
  const id = c.req.param("id");
  await deskRequest(c, id);
  const clientKey = clientKeyOf(str(form.clientKey));
  const body = str(form.body);
  const intent = str(form.intent);
  if (intent === "discard") {
    const outcome = await discardDraft(c.env, id);
    if (outcome !== "ok") return back(c, id, outcome === "conflict" ? "draft-conflict" : "draft-gone");
    await audit(c, {
      action: "desk.draft_discarded",
      targetType: "submission",
      targetId: id,
      before: { review: "waiting" },
      after: { review: "discarded" },
    });
    return back(c, id, "draft-discarded", "#reply");
  }
  if (intent !== "send") return deskRequestPage(c, id, { draft: { body, clientKey, preview: previewOf(body) } });
  const original = await draftOf(c.env, id);
  try {
    const sent = await sendDraft(c.env, { submissionId: id, authorId: c.get("user").id, body, clientKey });
    if (sent.outcome !== "ok") return back(c, id, sent.outcome === "conflict" ? "draft-conflict" : "draft-gone");
    // `original` is null on a retry of a send that went through: that one was audited.
    if (original !== null)
      await audit(c, {
        action: "desk.draft_sent",
        targetType: "submission",
        targetId: id,
        before: { review: "waiting" },
        after: {
          review: "approved",
          messageId: sent.messageId,
          edited: original.trim() !== body.replace(/\r\n?/g, "\n").trim(),
        },
      });
    return back(c, id, "draft-sent", sent.messageId ? `#${sent.messageId}` : "");
  } catch (error) {
    if (error instanceof MessageRefused)
      return deskRequestPage(c, id, { draft: { body, clientKey } }, bad(error.message), 422);
    throw error;
  }
}
