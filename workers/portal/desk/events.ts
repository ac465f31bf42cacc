/**
 * `GET /app/desk/events?ids=…`: the inbox's live updates, over the jobs' own fan-out. Each
 * job's Durable Object already streams its state to watchers (`durable-objects/job/watchers.ts`,
 * what a request's page and `GET /v1/submissions/{id}/events` use); this opens that stream for
 * each running request of the inbox's page and merges them into one event stream, so a page of
 * 25 rows holds one connection, not 25. Each event is the job's `event: job` as it came, whose
 * data names its `submissionId`.
 *
 * Bounded: at most one page of ids (`INBOX_PAGE`), only well-formed ids of requests not yet
 * final; nothing to watch is `204`, which tells an EventSource to stop reconnecting. Each
 * job's stream ends when its job does, and the merged one when the last ends.
 */
import { and, inArray, notInArray } from "drizzle-orm";
import type { Context } from "hono";
import { db } from "../../../shared/db/client";
import { submissions, TERMINAL_STATUSES } from "../../../shared/db/schema";
import { INBOX_PAGE } from "../../../shared/desk/inbox";
import { SUBMISSION_ID_PATTERN } from "../../../shared/ids";
import type { AppEnv } from "../../app-env";

/** The ids asked for: well-formed, distinct, at most one page of them. */
export const watchedIds = (param: string | undefined) =>
  [...new Set((param ?? "").slice(0, 40 * INBOX_PAGE).split(","))]
    .filter((id) => SUBMISSION_ID_PATTERN.test(id))
    .slice(0, INBOX_PAGE);

export async function inboxEvents(c: Context<AppEnv>) {
  const asked = watchedIds(c.req.query("ids"));
  const running = asked.length
    ? await db(c.env.DB)
        .select({ id: submissions.id })
        .from(submissions)
        .where(and(inArray(submissions.id, asked), notInArray(submissions.status, [...TERMINAL_STATUSES])))
    : [];
  if (running.length === 0) return c.body(null, 204);
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const encoder = new TextEncoder();
  const readers = new Set<ReadableStreamDefaultReader<string>>();
  let open = running.length;
  let closed = false;
  const stop = () => {
    if (closed) return;
    closed = true;
    for (const r of readers) r.cancel().catch(() => undefined);
    writer.close().catch(() => undefined);
  };
  // A write to a browser that left fails: stop reading every job then.
  const send = (text: string) => writer.write(encoder.encode(text)).catch(stop);
  void send("retry: 5000\n\n");
  const pump = async (id: string) => {
    const res = await c.env.JOB_COORDINATOR.getByName(id).fetch(
      new Request("https://job/events", { headers: { "x-submission-id": id } }),
    );
    if (!res.ok || !res.body) return;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    readers.add(reader);
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done || closed) break;
      buffer += value;
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (block.startsWith("event: job\n")) void send(`${block}\n\n`);
        end = buffer.indexOf("\n\n");
      }
      // One job state is a few KB; a stream that sends more without an event end is not the job's.
      if (buffer.length > 256 * 1024) break;
    }
  };
  for (const { id } of running) {
    void pump(id)
      .catch(() => undefined)
      .finally(() => {
        open -= 1;
        if (open === 0) stop();
      });
  }
  return new Response(readable, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
    },
  });
}
