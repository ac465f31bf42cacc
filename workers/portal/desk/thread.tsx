/**
 * A request's thread as staff read it (`threadOf(…, { audience: "staff" })`), oldest first,
 * each kind of entry marked apart: the customer's words (the request, and messages from any
 * channel) as plain text; staff replies and internal notes — notes labelled "Internal", never
 * shown to the customer — and the AI's answer or draft as sanitised markdown; system events as
 * one muted line. The draft entry holds its editor (`DraftEditor`), passed in as `draft`.
 */

import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import type { ThreadAuthor, ThreadEntry } from "../../../shared/desk/thread";
import { renderMarkdown } from "../../../shared/markdown";
import { Time } from "../layout";

const EVENT_LABELS: Record<Extract<ThreadEntry, { type: "event" }>["event"], string> = {
  received: "Received",
  completed: "Completed",
  failed: "Failed",
  cancelled: "Cancelled",
  notified: "Notified",
  not_delivered: "Not delivered",
};

const who = (author: ThreadAuthor | null, fallback: string) => (author ? author.name || author.email : fallback);

/** A customer's text: shown as written, line breaks kept, never as markup. */
const Plain = (props: { text: string }) => <div class="plain">{props.text}</div>;

/** Markdown from staff or the AI, through the platform's sanitiser. */
export const Markdown = (props: { markdown: string }) => (
  <div class="result">{raw(renderMarkdown(props.markdown))}</div>
);

function FileLinks(props: { submissionId: string; files: { id: string; name: string }[] }) {
  if (props.files.length === 0) return null;
  return (
    <ul class="files">
      {props.files.map((f) => (
        <li>
          <a href={`/v1/submissions/${props.submissionId}/files/${f.id}`} download={f.name}>
            {f.name}
          </a>
        </li>
      ))}
    </ul>
  );
}

/** The thread of request `submissionId`; `files` names the request's files by id. */
export function Thread(props: {
  submissionId: string;
  entries: ThreadEntry[];
  files: Map<string, string>;
  zone?: string;
  draft?: Child;
}) {
  const { submissionId, zone } = props;
  return (
    <ol class="thread" aria-label="Thread">
      {props.entries.map((e) => {
        if (e.type === "event")
          return (
            <li class={`entry event ${e.event}`}>
              <span class="what">{EVENT_LABELS[e.event]}</span> {e.detail ? <span>{e.detail}</span> : null}{" "}
              <span class="when">
                <Time ms={e.at} zone={zone} />
              </span>
            </li>
          );
        if (e.type === "request")
          return (
            <li class="entry customer request">
              <div class="head">
                <span class="what">Request from the customer</span> · via {e.channel === "api" ? "API" : e.channel}{" "}
                <span class="when">
                  <Time ms={e.at} zone={zone} />
                </span>
              </div>
              <Plain text={e.text || "(no text: see the files)"} />
              <FileLinks submissionId={submissionId} files={e.files} />
            </li>
          );
        if (e.type === "answer" || e.type === "draft")
          return (
            <li class={`entry ${e.type}`} data-entry={e.type}>
              <div class="head">
                <span class="what">
                  {e.type === "answer" ? "AI answer, sent to the customer" : "AI draft — not sent, waiting for review"}
                </span>{" "}
                <span class="when">
                  <Time ms={e.at} zone={zone} />
                </span>
              </div>
              {e.type === "draft" && props.draft ? props.draft : <Markdown markdown={e.markdown} />}
            </li>
          );
        const m = e.message;
        const files = (m.fileIds ? (JSON.parse(m.fileIds) as string[]) : []).map((id) => ({
          id,
          name: props.files.get(id) ?? id,
        }));
        const label =
          m.kind === "customer"
            ? `Customer${e.author ? ` (${who(e.author, "")})` : ""} · via ${m.channel === "api" ? "API" : m.channel}`
            : m.kind === "reply"
              ? `Reply by ${who(e.author, "a former member of staff")}${m.fromDraft ? " · from the AI draft" : ""}`
              : `Note by ${who(e.author, "a former member of staff")}`;
        return (
          <li class={`entry ${m.kind}`} id={m.id} data-entry={m.kind}>
            <div class="head">
              {m.kind === "note" ? <strong class="internal">Internal</strong> : null}
              <span class="what">{label}</span>{" "}
              <span class="when">
                <Time ms={e.at} zone={zone} />
              </span>
            </div>
            {m.kind === "customer" ? <Plain text={m.body} /> : <Markdown markdown={m.body} />}
            <FileLinks submissionId={submissionId} files={files} />
          </li>
        );
      })}
    </ol>
  );
}
