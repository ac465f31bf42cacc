/**
 * `GET /app/desk/:id`: a request's page for staff. The thread in time order (with the AI's
 * draft in its editor while the job waits for review), the reply and internal-note forms, and
 * beside them the customer, the assignment and status controls, every file and the sources the
 * answer used. The forms' handlers (`actions.ts`) draw the same page again to show a preview or
 * a refusal with the text kept, so this page takes the forms' state.
 *
 * Live: while the job runs, the desk script watches it over the job's own event stream
 * (`/v1/submissions/:id/events`, which staff may read) and updates the job's status and steps;
 * when the status changes or a draft arrives it reloads the page, or, if a form has unsent
 * text, says so and leaves the reload to the reader.
 */
import type { Context } from "hono";
import { db } from "../../../shared/db/client";
import { isTerminal } from "../../../shared/db/schema";
import { draftOf } from "../../../shared/desk/draft";
import { fillReply, listSavedReplies } from "../../../shared/desk/saved-replies";
import { staffMembers } from "../../../shared/desk/state";
import { threadOf } from "../../../shared/desk/thread";
import { formatBytes, listSubmissionFiles } from "../../../shared/submissions/files";
import { sourcesOf } from "../../api/submissions/service";
import type { AppEnv } from "../../app-env";
import { SourceList } from "../kit";
import type { Flash } from "../layout";
import { Badge, Time } from "../layout";
import { customerOf, deskRequest, newClientKey, page, replyContext } from "./area";
import { AssignForm, type Compose, DraftEditor, NoteForm, ReplyForm, StatusForm } from "./forms";
import { DeskAssets, deskStatusLabel } from "./parts";
import { Thread } from "./thread";

/** What the forms hold when the page is drawn again after a post (preview, insert, refusal). */
export interface DeskForms {
  reply?: Compose;
  note?: Compose;
  draft?: Compose;
}

/** The page of request `id` with `forms` as posted, `flash` over the `?m=` one, and `status`. */
export async function deskRequestPage(
  c: Context<AppEnv>,
  id: string,
  forms: DeskForms = {},
  flash: Flash | null = null,
  status = 200,
) {
  const d = db(c.env.DB);
  const me = c.get("user");
  const { submission: s, steps } = await deskRequest(c, id);
  const [draft, files, customer, members, saved] = await Promise.all([
    isTerminal(s.status) ? null : draftOf(c.env, s.id),
    listSubmissionFiles(d, s.id),
    customerOf(c, s),
    staffMembers(d),
    listSavedReplies(d),
  ]);
  const entries = await threadOf(c.env, s, { audience: "staff", awaitingReview: draft !== null });
  const zone = me.timeZone;
  const sources = sourcesOf(s);
  const context = replyContext(customer, s, me);
  const reply = forms.reply ?? { body: "", clientKey: newClientKey() };
  const note = forms.note ?? { body: "", clientKey: newClientKey() };
  const draftForm = draft !== null ? (forms.draft ?? { body: draft, clientKey: newClientKey() }) : null;
  const assignee = members.find((m) => m.id === s.assigneeId);
  return page(
    c,
    `Desk: ${s.id}`,
    "/app/desk",
    <>
      <DeskAssets />
      <p>
        <a href="/app/desk">← Inbox</a>
      </p>
      <h1>
        Request <span class="mono">{s.id}</span>
      </h1>
      <div
        class="desk-page"
        data-desk-live={isTerminal(s.status) ? undefined : s.id}
        data-job-status={s.status}
        data-review={draft !== null ? "waiting" : ""}
      >
        <section class="desk-main">
          <div class="flash info" data-desk-changed hidden>
            This request changed while you were writing. <a href={`/app/desk/${s.id}`}>Reload</a> to see it (unsent text
            is lost).
          </div>
          <Thread
            submissionId={s.id}
            entries={entries}
            files={new Map(files.map((f) => [f.id, f.name]))}
            zone={zone}
            draft={draftForm ? <DraftEditor c={c} id={s.id} compose={draftForm} /> : undefined}
          />
          <ReplyForm
            c={c}
            id={s.id}
            compose={reply}
            saved={saved.map((r) => ({ id: r.id, title: r.title, filled: fillReply(r.body, context) }))}
          />
          <NoteForm c={c} id={s.id} compose={note} />
        </section>
        <aside class="desk-side">
          <div class="card">
            <h2>Customer</h2>
            <p>
              {customer?.name ? (
                <>
                  <strong>{customer.name}</strong>
                  <br />
                </>
              ) : null}
              <a href={`mailto:${s.email}`}>{s.email}</a>
            </p>
            <p class="hint">
              {customer ? (
                <>
                  Account <span class="mono">{customer.id}</span>
                  {customer.email !== s.email ? ` (${customer.email})` : ""}, since{" "}
                  <Time ms={customer.createdAt} zone={zone} />
                </>
              ) : (
                "No account."
              )}
            </p>
          </div>
          <div class="card">
            <h2>Desk</h2>
            <p>
              <span class={`desk ${s.deskStatus}`}>{deskStatusLabel(s.deskStatus)}</span> · job{" "}
              <span data-job-badge>
                <Badge status={s.status} />
              </span>
              {s.reviewPolicy === "review" ? " · review policy" : ""}
            </p>
            <p class="hint">
              Via {s.source === "api" ? "API" : s.source}, received <Time ms={s.createdAt} zone={zone} />
              {assignee ? `; assigned to ${assignee.name || assignee.email}` : ""}.
            </p>
            {isTerminal(s.status) ? null : (
              <ol class="timeline steps">
                {steps.map((st) => (
                  <li data-step={st.name}>
                    <span class="name">{st.name}</span>
                    <Badge status={st.status} />
                  </li>
                ))}
              </ol>
            )}
            <AssignForm c={c} id={s.id} assigneeId={s.assigneeId} members={members} />
            <StatusForm c={c} id={s.id} resolved={s.deskStatus === "resolved"} />
          </div>
          <div class="card">
            <h2>Files</h2>
            {files.length === 0 ? (
              <p class="hint">None.</p>
            ) : (
              <ul class="files">
                {files.map((f) => (
                  <li>
                    <a href={`/v1/submissions/${s.id}/files/${f.id}`} download={f.name}>
                      {f.name}
                    </a>{" "}
                    <span class="muted">
                      {f.contentType} · {formatBytes(f.size)}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </div>
          <div class="card">
            <h2>Sources of the answer</h2>
            {sources.length === 0 ? <p class="hint">None.</p> : <SourceList sources={sources} />}
          </div>
        </aside>
      </div>
    </>,
    flash,
    status,
  );
}
