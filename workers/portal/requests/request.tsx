/**
 * A request's page: its status and step timeline (updated live by the portal script), the
 * review, cancel or retry it allows, its attachments, its conversation (the thread as the
 * customer sees it, with the reply box), its deliveries and its result, with the pages of our
 * site the result cites as links under it.
 */
import type { Context } from "hono";
import { raw } from "hono/html";
import { db } from "../../../shared/db/client";
import { isTerminal } from "../../../shared/db/schema";
import { threadOf } from "../../../shared/desk/thread";
import { renderMarkdown } from "../../../shared/markdown";
import { formatBytes, listSubmissionFiles } from "../../../shared/submissions/files";
import { released } from "../../../shared/submissions/release";
import { awaitsReview, sourcesOf } from "../../api/submissions/service";
import type { AppEnv } from "../../app-env";
import { audit } from "../../audit";
import { Csrf, SourceList } from "../kit";
import { Badge, Time } from "../layout";
import { RequestDeliveries } from "../notifications";
import { ownRequest, page } from "./area";
import { Thread } from "./thread";

/** `GET /app/requests/:id`: the request, if the signed-in user may see it. */
export async function requestPage(c: Context<AppEnv, "/requests/:id">) {
  const id = c.req.param("id");
  const found = await ownRequest(c, id);
  // A draft waiting for review is not the customer's yet, whoever looks (staff use the desk).
  const s = released(found.submission);
  const { steps } = found;
  if (s.userId !== c.get("user").id) {
    // An admin looking at someone else's request is on the record.
    await audit(c, { action: "admin.viewed_submission", targetType: "submission", targetId: s.id });
  }
  const [result, attachments, thread] = await Promise.all([
    s.resultKey ? c.env.FILES.get(s.resultKey) : null,
    listSubmissionFiles(db(c.env.DB), s.id),
    // What the customer sees, whoever looks: never a note, a draft or a system event.
    threadOf(c.env, s, { audience: "customer" }),
  ]);
  const zone = c.get("user").timeZone;
  const sources = sourcesOf(s);
  // Only admins decide reviews; only then is the job's object asked whether it waits for one.
  const awaitingReview =
    c.get("user").role === "admin" &&
    s.workflow === "reviewed" &&
    !isTerminal(s.status) &&
    (await awaitsReview(c.env, s.id));
  return page(
    c,
    `Request ${s.id}`,
    "/app",
    <>
      <p>
        <a href="/app">← All requests</a>
      </p>
      <h1>
        Request <span class="mono">{s.id}</span>
      </h1>
      <div class="card" data-live-submission={s.id} data-status-now={s.status}>
        <p>
          Status:{" "}
          <span data-status={s.status}>
            <Badge status={s.status} />
          </span>{" "}
          · sent <Time ms={s.createdAt} zone={zone} /> · via {s.source}
          {s.completedAt ? (
            <>
              {" "}
              · finished <Time ms={s.completedAt} zone={zone} />
            </>
          ) : null}
        </p>
        {s.error ? (
          <p class="flash bad" role="alert">
            {s.error}
          </p>
        ) : null}
        <h2>Steps</h2>
        <ol class="timeline" aria-live="polite">
          {steps.map((st) => (
            <li data-step={st.name}>
              <span class="name">{st.name}</span>
              <Badge status={st.status} />
              <span class="meta">
                {st.attempts > 1 ? `${st.attempts} attempts · ` : ""}
                {st.finishedAt && st.startedAt ? `${st.finishedAt - st.startedAt} ms` : ""}
                {st.error ? ` · ${st.error}` : ""}
              </span>
            </li>
          ))}
        </ol>
        {!isTerminal(s.status) ? <p class="hint">This page updates by itself as the steps finish.</p> : null}
        {awaitingReview ? (
          <form method="post" action={`/app/requests/${s.id}/review`} class="actions">
            <Csrf c={c} />
            <strong>Waiting for your review.</strong>
            <button type="submit" name="decision" value="approve">
              Approve and deliver
            </button>
            <button type="submit" name="decision" value="reject" class="danger">
              Reject
            </button>
          </form>
        ) : null}
        {!isTerminal(s.status) || s.status === "failed" ? (
          <form
            method="post"
            action={`/app/requests/${s.id}/${s.status === "failed" ? "retry" : "cancel"}`}
            class="actions"
          >
            <Csrf c={c} />
            <button type="submit" class={s.status === "failed" ? "" : "danger"}>
              {s.status === "failed" ? "Retry from the failed step" : "Cancel this request"}
            </button>
          </form>
        ) : null}
      </div>
      {attachments.length > 0 ? (
        <div class="card">
          <h2>Attachments</h2>
          <ul class="files" data-attachments>
            {attachments.map((f) => (
              <li>
                {/* Served by the API's owner-only download (the session cookie is enough for a GET). */}
                <a href={`/v1/submissions/${s.id}/files/${f.id}`} download={f.name}>
                  {f.name}
                </a>{" "}
                <span class="muted">
                  {f.contentType} · {formatBytes(f.size)}
                </span>
                <span class="mono hint" title="SHA-256">
                  {f.sha256.slice(0, 16)}…
                </span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <Thread c={c} submissionId={s.id} entries={thread} files={attachments} canReply={s.userId === c.get("user").id} />
      <RequestDeliveries c={c} submissionId={s.id} userId={s.userId} />
      {result ? (
        <div class="card result" id="result">
          <h2>Result</h2>
          {/* AI output and user text may carry markup: renderMarkdown sanitises it. */}
          {raw(renderMarkdown(await result.text()))}
          {sources.length > 0 ? (
            <>
              <h3>Sources</h3>
              <SourceList sources={sources} data />
            </>
          ) : null}
        </div>
      ) : null}
    </>,
  );
}
