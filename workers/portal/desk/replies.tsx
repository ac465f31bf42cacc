/**
 * `/app/desk/replies`: the saved replies staff insert into a reply — list, create, edit,
 * delete — each change on the audit trail with its actor (before and after for an edit). The
 * variables a text may use are listed on the page; unknown ones stay as written when filled.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { db } from "../../../shared/db/client";
import type { SavedReplyRow } from "../../../shared/db/schema";
import { MAX_MESSAGE_CHARS } from "../../../shared/db/schema";
import {
  createSavedReply,
  deleteSavedReply,
  listSavedReplies,
  MAX_SAVED_REPLY_TITLE,
  REPLY_VARIABLES,
  SavedReplyRefused,
  updateSavedReply,
} from "../../../shared/desk/saved-replies";
import type { AppEnv } from "../../app-env";
import { audit } from "../../audit";
import { Csrf, formOf, str } from "../kit";
import type { Flash } from "../layout";
import { page } from "./area";

const summary = (r: SavedReplyRow) => ({ title: r.title, chars: r.body.length });

function ReplyFields(props: { prefix: string; title: string; body: string }) {
  return (
    <>
      <label for={`${props.prefix}-title`}>Title</label>
      <input
        id={`${props.prefix}-title`}
        name="title"
        type="text"
        maxlength={MAX_SAVED_REPLY_TITLE}
        value={props.title}
        required
      />
      <label for={`${props.prefix}-body`}>Text (markdown)</label>
      <textarea id={`${props.prefix}-body`} name="body" maxlength={MAX_MESSAGE_CHARS} class="short" required>
        {props.body}
      </textarea>
    </>
  );
}

/** The page, with a refused form's values kept (`draft`) and its message. */
async function repliesPage(
  c: Context<AppEnv>,
  flash: Flash | null = null,
  status = 200,
  draft?: { id: string | null; title: string; body: string },
) {
  const replies = await listSavedReplies(db(c.env.DB));
  return page(
    c,
    "Saved replies",
    "/app/desk",
    <>
      <p>
        <a href="/app/desk">← Inbox</a>
      </p>
      <h1>Saved replies</h1>
      <p class="hint">
        Variables filled in when a reply is inserted:{" "}
        {REPLY_VARIABLES.map((v, i) => (
          <>
            {i ? ", " : ""}
            <code>{`{{${v}}}`}</code>
          </>
        ))}
        . Any other <code>{"{{…}}"}</code> stays as written.
      </p>
      <form method="post" action="/app/desk/replies" class="card">
        <Csrf c={c} />
        <h2>New saved reply</h2>
        <ReplyFields
          prefix="new"
          title={draft && draft.id === null ? draft.title : ""}
          body={draft && draft.id === null ? draft.body : ""}
        />
        <div class="actions">
          <button type="submit">Save</button>
        </div>
      </form>
      {replies.map((r) => {
        const kept = draft?.id === r.id ? draft : r;
        return (
          <div class="card" id={r.id}>
            <form method="post" action={`/app/desk/replies/${r.id}`}>
              <Csrf c={c} />
              <ReplyFields prefix={r.id} title={kept.title} body={kept.body} />
              <div class="actions">
                <button type="submit" class="secondary">
                  Save changes
                </button>
              </div>
            </form>
            <form method="post" action={`/app/desk/replies/${r.id}/delete`} class="actions">
              <Csrf c={c} />
              <button type="submit" class="danger">
                Delete “{r.title}”
              </button>
            </form>
          </div>
        );
      })}
    </>,
    flash,
    status,
  );
}

/** `/app/desk/replies*`; mounted behind `requireStaff` (index.tsx). */
export const savedReplyPages = new Hono<AppEnv>()
  .get("/replies", (c) => repliesPage(c))
  .post("/replies", async (c) => {
    const form = await formOf(c);
    const title = str(form.title);
    const body = str(form.body);
    try {
      const row = await createSavedReply(db(c.env.DB), { title, body, createdBy: c.get("user").id });
      await audit(c, {
        action: "desk.saved_reply_created",
        targetType: "saved_reply",
        targetId: row.id,
        after: summary(row),
      });
      return c.redirect(`/app/desk/replies?m=reply-saved#${row.id}`, 303);
    } catch (error) {
      if (error instanceof SavedReplyRefused)
        return repliesPage(c, { kind: "bad", text: error.message }, 422, { id: null, title, body });
      throw error;
    }
  })
  .post("/replies/:rid/delete", async (c) => {
    await formOf(c);
    const row = await deleteSavedReply(db(c.env.DB), c.req.param("rid"));
    if (!row) return c.redirect("/app/desk/replies?m=reply-missing", 303);
    await audit(c, {
      action: "desk.saved_reply_deleted",
      targetType: "saved_reply",
      targetId: row.id,
      before: summary(row),
    });
    return c.redirect("/app/desk/replies?m=reply-deleted", 303);
  })
  .post("/replies/:rid", async (c) => {
    const form = await formOf(c);
    const id = c.req.param("rid");
    const title = str(form.title);
    const body = str(form.body);
    try {
      const change = await updateSavedReply(db(c.env.DB), id, { title, body });
      if (!change) return c.redirect("/app/desk/replies?m=reply-missing", 303);
      await audit(c, {
        action: "desk.saved_reply_updated",
        targetType: "saved_reply",
        targetId: id,
        before: summary(change.before),
        after: summary(change.after),
      });
      return c.redirect(`/app/desk/replies?m=reply-updated#${id}`, 303);
    } catch (error) {
      if (error instanceof SavedReplyRefused)
        return repliesPage(c, { kind: "bad", text: error.message }, 422, { id, title, body });
      throw error;
    }
  });
