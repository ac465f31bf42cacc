/**
 * The job's live watchers: WebSockets (accepted hibernatable, so idle watchers cost nothing)
 * and Server-Sent Event streams (held in memory, dropped with the object). Each gets the
 * current snapshot when it connects and one message per state change, and is closed once the
 * job reaches a final state.
 */
import { isTerminal } from "../../shared/db/schema";
import type { JobSnapshot } from "./snapshot";

export class Watchers {
  readonly #ctx: DurableObjectState;
  /** Open SSE streams (not hibernatable, unlike WebSockets). */
  readonly #streams = new Set<WritableStreamDefaultWriter<Uint8Array>>();

  constructor(ctx: DurableObjectState) {
    this.#ctx = ctx;
  }

  /** Admits one watcher: a WebSocket when the request asks to upgrade, else an event stream. */
  open(request: Request, snapshot: JobSnapshot): Response {
    const terminal = isTerminal(snapshot.status);
    if (request.headers.get("upgrade")?.toLowerCase() === "websocket") {
      const { 0: client, 1: server } = new WebSocketPair();
      this.#ctx.acceptWebSocket(server);
      server.send(JSON.stringify(snapshot));
      if (terminal) server.close(1000, snapshot.status);
      return new Response(null, { status: 101, webSocket: client });
    }
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    this.#streams.add(writer);
    this.#push(writer, "retry: 3000\n\n");
    this.#push(writer, sseEvent(snapshot));
    if (terminal) this.#close(writer);
    return new Response(readable, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        "x-accel-buffering": "no",
      },
    });
  }

  /** Sends the new state to every watcher, closing each at a final state. */
  broadcast(snapshot: JobSnapshot): void {
    const terminal = isTerminal(snapshot.status);
    const json = JSON.stringify(snapshot);
    for (const ws of this.#ctx.getWebSockets()) {
      try {
        ws.send(json);
        if (terminal) ws.close(1000, snapshot.status);
      } catch {
        // A watcher that went away; the runtime drops it.
      }
    }
    for (const writer of this.#streams) {
      this.#push(writer, sseEvent(snapshot));
      if (terminal) this.#close(writer);
    }
  }

  /** Never awaited: a slow reader must not hold up the job. */
  #push(writer: WritableStreamDefaultWriter<Uint8Array>, text: string): void {
    writer.write(new TextEncoder().encode(text)).catch(() => this.#streams.delete(writer));
  }

  #close(writer: WritableStreamDefaultWriter<Uint8Array>): void {
    this.#streams.delete(writer);
    writer.close().catch(() => undefined);
  }
}

function sseEvent(snapshot: JobSnapshot): string {
  return `event: job\ndata: ${JSON.stringify(snapshot)}\n\n`;
}
