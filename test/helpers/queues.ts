/**
 * Queues drained by the test itself. The local queues deliver on their own schedule (a batch
 * timeout, retries with delays), so a test cannot wait for them to be idle; instead it holds
 * whatever the code under test sends to a queue, runs the Worker's consumer on it, and repeats
 * until nothing more is sent. A test that proves something did *not* happen drains first,
 * then asserts: every message that could have done it has run.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import worker from "../../workers/index";

/** What a drain ran through the consumer. */
export interface Drained {
  /** The body of every message drained, in the order they were sent. */
  messages: unknown[];
  /** Ids of the messages the consumer asked to retry (none when every message was handled). */
  retried: string[];
}

/** Rounds of "consume, then consume what that sent" before a drain gives up as a loop. */
const MAX_ROUNDS = 20;

/**
 * Runs `action` while holding what is sent to `binding` (the producer of `queueName`) instead
 * of queueing it, then drains: the Worker's consumer gets every held message, and whatever it
 * sends to the same queue in turn, until none is left. Messages are delivered as first
 * attempts. The binding is restored whatever happens.
 */
export async function drainQueue(queueName: string, binding: Queue, action: () => Promise<unknown>): Promise<Drained> {
  const held: unknown[] = [];
  const accepted = () => ({ metadata: { metrics: { backlogCount: held.length, backlogBytes: 0 } } });
  const send = vi.spyOn(binding, "send").mockImplementation(async (body) => {
    held.push(body);
    return accepted();
  });
  const sendBatch = vi.spyOn(binding, "sendBatch").mockImplementation(async (messages) => {
    for (const m of messages) held.push(m.body);
    return accepted();
  });
  try {
    await action();
    const drained: Drained = { messages: [], retried: [] };
    for (let round = 1; held.length > 0; round++) {
      if (round > MAX_ROUNDS) throw new Error(`${queueName} still sends after ${MAX_ROUNDS} rounds of draining`);
      const bodies = held.splice(0);
      drained.messages.push(...bodies);
      const batch = createMessageBatch(
        queueName,
        bodies.map((body, i) => ({ id: `drain-${round}-${i}`, timestamp: new Date(), attempts: 1, body })),
      );
      const ctx = createExecutionContext();
      await worker.queue(batch, env, ctx);
      const result = await getQueueResult(batch, ctx);
      drained.retried.push(
        ...(result.retryBatch.retry ? batch.messages.map((m) => m.id) : result.retryMessages.map((m) => m.msgId)),
      );
    }
    return drained;
  } finally {
    send.mockRestore();
    sendBatch.mockRestore();
  }
}
