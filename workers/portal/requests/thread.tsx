/**
 * A request's thread on the customer's page: their request, our answer, staff replies and their
 * own messages, oldest first, from `threadOf(..., { audience: "customer" })` — which never
 * carries an internal note, a draft or a system event — and the reply box under it. Staff write
 * markdown (rendered sanitised); customers plain text (escaped by JSX, line breaks kept).
 */
import type { Context } from "hono";
import { raw } from "hono/html";
import { MAX_MESSAGE_CHARS } from "../../../shared/db/schema";
import type { ThreadEntry } from "../../../shared/desk/thread";
import { renderMarkdown } from "../../../shared/markdown";
import type { AppEnv } from "../../app-env";
import { Csrf } from "../kit";
import { Time } from "../layout";

const fileIdsOf = (json: string | null): string[] => {
  try {
    return json ? (JSON.parse(json) as string[]) : [];
  } catch {
    return [];
  }
};

/** The thread, and (for the request's owner) the reply box. */
export function Thread(props: {
  c: Context<AppEnv>;
  submissionId: string;
  entries: ThreadEntry[];
  files: { id: string; name: string }[];
  canReply: boolean;
}) {
  const { c, submissionId, entries } = props;
  const zone = c.get("user").timeZone;
  const names = new Map(props.files.map((f) => [f.id, f.name]));
  const fileLinks = (ids: string[]) =>
    ids.length ? (
      <ul class="files">
        {ids.map((id) => (
          <li>
            <a href={`/v1/submissions/${submissionId}/files/${id}`}>{names.get(id) ?? id}</a>
          </li>
        ))}
      </ul>
    ) : null;
  return (
    <div class="card" data-thread>
      <h2>Conversation</h2>
      <ol class="thread">
        {entries.map((e) => {
          if (e.type === "request")
            return (
              <li data-entry="request">
                <p class="meta">
                  You wrote · <Time ms={e.at} zone={zone} />
                </p>
                <p class="plain">{e.text}</p>
                {fileLinks(e.files.map((f) => f.id))}
              </li>
            );
          if (e.type === "answer")
            return (
              <li data-entry="answer">
                <p class="meta">
                  Our answer · <Time ms={e.at} zone={zone} /> · <a href="#result">read it below</a>
                </p>
              </li>
            );
          if (e.type === "message") {
            const staff = e.message.kind === "reply";
            return (
              <li data-entry={e.message.kind} data-message={e.message.id}>
                <p class="meta">
                  {staff ? `${e.author?.name || "StateX"} (StateX)` : "You"} · by {e.message.channel} ·{" "}
                  <Time ms={e.at} zone={zone} />
                </p>
                {staff ? (
                  // Staff write markdown; renderMarkdown sanitises it.
                  <div class="message">{raw(renderMarkdown(e.message.body))}</div>
                ) : (
                  <p class="plain">{e.message.body}</p>
                )}
                {fileLinks(fileIdsOf(e.message.fileIds))}
              </li>
            );
          }
          // Drafts and events never reach the customer's thread (threadOf's audience), nor here.
          return null;
        })}
      </ol>
      {props.canReply ? (
        <form method="post" action={`/app/requests/${submissionId}/messages`} data-reply-form>
          <Csrf c={c} />
          {/* One key per rendered form: a double click or a resent form writes one message. */}
          <input type="hidden" name="clientKey" value={crypto.randomUUID()} />
          <label for="reply-body">Write to us</label>
          <textarea id="reply-body" name="body" rows={5} maxlength={MAX_MESSAGE_CHARS} required />
          <p class="hint">You can also answer any of our emails about this request.</p>
          <button type="submit">Send</button>
        </form>
      ) : null}
    </div>
  );
}
