/**
 * The forms of a request's desk page. Each posts to `/app/desk/:id/<action>` with the session's
 * CSRF field and works without JavaScript: Preview and Insert answer with the page again (the
 * text kept, the preview rendered by the server's sanitiser); Send, notes, assignment and
 * status answer with a redirect back and a flash. A send form carries a one-time `clientKey`
 * made when the page was drawn and kept across previews, so a double submit sends once.
 */
import type { Context } from "hono";
import { raw } from "hono/html";
import { MAX_MESSAGE_CHARS } from "../../../shared/db/schema";
import type { AppEnv } from "../../app-env";
import { Csrf } from "../kit";

/** A saved reply as the reply form offers it: its variables already filled for this request. */
export interface SavedChoice {
  id: string;
  title: string;
  filled: string;
}

/** A send form's state: the text, its one-time key, and the preview HTML when asked for. */
export interface Compose {
  body: string;
  clientKey: string;
  preview?: string | null;
}

function Preview(props: { html?: string | null }) {
  if (props.html === undefined || props.html === null) return null;
  return (
    <div class="preview">
      <div class="hint">Preview — as the customer will read it:</div>
      {/* Rendered by renderMarkdown (sanitised) on the server. */}
      <div class="result">{raw(props.html)}</div>
    </div>
  );
}

export function ReplyForm(props: { c: Context<AppEnv>; id: string; compose: Compose; saved: SavedChoice[] }) {
  const { compose } = props;
  return (
    <form method="post" action={`/app/desk/${props.id}/reply`} class="card compose" id="reply" data-compose>
      <Csrf c={props.c} />
      <input type="hidden" name="clientKey" value={compose.clientKey} />
      <h2>Reply to the customer</h2>
      {props.saved.length > 0 ? (
        <div class="saved-pick">
          <label for="reply-saved">Saved reply</label>
          <select id="reply-saved" name="saved" data-saved-select>
            {props.saved.map((r) => (
              <option value={r.id} data-body={r.filled}>
                {r.title}
              </option>
            ))}
          </select>
          <button type="submit" name="intent" value="insert" class="secondary" data-saved-insert>
            Insert
          </button>
        </div>
      ) : null}
      <label for="reply-body">Reply (markdown)</label>
      <textarea id="reply-body" name="body" maxlength={MAX_MESSAGE_CHARS} data-reply-box>
        {compose.body}
      </textarea>
      <Preview html={compose.preview} />
      <div class="actions">
        <button type="submit" name="intent" value="preview" class="secondary">
          Preview
        </button>
        <button type="submit" name="intent" value="send">
          Send
        </button>
      </div>
    </form>
  );
}

export function NoteForm(props: { c: Context<AppEnv>; id: string; compose: Compose }) {
  return (
    <form method="post" action={`/app/desk/${props.id}/note`} class="card compose note-form" id="note">
      <Csrf c={props.c} />
      <input type="hidden" name="clientKey" value={props.compose.clientKey} />
      <h2>
        Internal note <span class="hint">(staff only; the customer never sees it)</span>
      </h2>
      <label for="note-body">Note (markdown)</label>
      <textarea id="note-body" name="body" maxlength={MAX_MESSAGE_CHARS} class="short">
        {props.compose.body}
      </textarea>
      <div class="actions">
        <button type="submit" class="secondary">
          Add note
        </button>
      </div>
    </form>
  );
}

/** The AI's draft in an editor: preview, send as edited, or discard. Sits in the thread's draft entry. */
export function DraftEditor(props: { c: Context<AppEnv>; id: string; compose: Compose }) {
  return (
    <form method="post" action={`/app/desk/${props.id}/draft`} class="compose" id="draft" data-compose>
      <Csrf c={props.c} />
      <input type="hidden" name="clientKey" value={props.compose.clientKey} />
      <label for="draft-body">Edit the draft (markdown), then send it</label>
      <textarea id="draft-body" name="body" maxlength={MAX_MESSAGE_CHARS} class="tall">
        {props.compose.body}
      </textarea>
      <Preview html={props.compose.preview} />
      <div class="actions">
        <button type="submit" name="intent" value="preview" class="secondary">
          Preview
        </button>
        <button type="submit" name="intent" value="send">
          Send to customer
        </button>
        <button type="submit" name="intent" value="discard" class="danger">
          Discard and write my own
        </button>
      </div>
    </form>
  );
}

export function AssignForm(props: {
  c: Context<AppEnv>;
  id: string;
  assigneeId: string | null;
  members: { id: string; name: string; email: string }[];
}) {
  const me = props.c.get("user").id;
  return (
    <form method="post" action={`/app/desk/${props.id}/assign`} class="assign">
      <Csrf c={props.c} />
      <label for="assign-to">Assignee</label>
      <select id="assign-to" name="assignee">
        <option value="none" selected={props.assigneeId === null}>
          Nobody
        </option>
        {props.members.map((m) => (
          <option value={m.id} selected={props.assigneeId === m.id}>
            {m.name || m.email}
            {m.id === me ? " (me)" : ""}
          </option>
        ))}
      </select>
      <div class="actions">
        <button type="submit" class="secondary">
          Assign
        </button>
        {props.assigneeId !== me ? (
          <button type="submit" name="quick" value="me">
            Assign to me
          </button>
        ) : null}
        {props.assigneeId !== null ? (
          <button type="submit" name="quick" value="none" class="secondary">
            Unassign
          </button>
        ) : null}
      </div>
    </form>
  );
}

export function StatusForm(props: { c: Context<AppEnv>; id: string; resolved: boolean }) {
  return (
    <form method="post" action={`/app/desk/${props.id}/status`} class="actions">
      <Csrf c={props.c} />
      {props.resolved ? (
        <button type="submit" name="status" value="open" class="secondary">
          Reopen
        </button>
      ) : (
        <button type="submit" name="status" value="resolved">
          Resolve
        </button>
      )}
    </form>
  );
}
