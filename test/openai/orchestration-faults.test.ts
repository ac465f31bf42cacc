import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { JobCoordinator } from "../../durable-objects/job-coordinator";
import { db } from "../../shared/db/client";
import { newSubmissionId } from "../../shared/ids";
import type { StoredInput } from "../../shared/submissions/accept";
import { insertSubmission } from "../../shared/submissions/repo";
import { adminHeaders, BASE, getSubmission, notificationRows, postSubmission, waitForStatus } from "../helpers/api";
import { withoutSitePassages } from "../helpers/content";
import { completion, fakeLlm } from "../helpers/llm";

// AI_PROVIDER=openai against https://llm.fake.test/v1, faked at the fetch boundary, with
// STEP_TIMEOUT_MS=3000 (vitest.config.ts). Every scenario ends in one terminal state and one
// notification per terminal event.
const realFetch = globalThis.fetch;

/** A call that never answers until its signal aborts (then rejects like fetch does). */
function hang(init: RequestInit | undefined): Promise<Response> {
  return new Promise((_, reject) => {
    const signal = init?.signal;
    if (!signal) return;
    signal.addEventListener("abort", () => reject(signal.reason ?? new DOMException("aborted", "AbortError")));
  });
}

const VALID = JSON.stringify({
  summary: "The plan needs a second review.",
  understood: ["A second review"],
  questions: ["Who reviews it?"],
  proposals: [{ text: "Book the review", citations: [] }],
});

async function submit(email: string) {
  const res = await postSubmission({ text: "Please check our plan. Who should review it?", email });
  expect(res.status).toBe(202);
  return (await res.json<{ id: string }>()).id;
}

async function waitForStep(id: string, name: string, status: string) {
  return vi.waitFor(
    async () => {
      const view = await getSubmission(id);
      if (view.steps.find((s) => s.name === name)?.status !== status) throw new Error(`not ${status} yet`);
      return view;
    },
    { timeout: 15_000, interval: 25 },
  );
}

async function sentNotifications(id: string, count: number) {
  return vi.waitFor(
    async () => {
      const rows = await notificationRows(id);
      if (rows.length < count || rows.some((r) => r.status !== "sent")) throw new Error("not sent yet");
      return rows;
    },
    { timeout: 10_000, interval: 50 },
  );
}

const post = async (path: string) =>
  exports.default.fetch(`${BASE}${path}`, { method: "POST", headers: await adminHeaders() });

// These tests script the model's answers; no site passages may add a "cite them" re-ask.
beforeEach(withoutSitePassages);

afterEach(() => {
  vi.restoreAllMocks();
});

// Some scenarios wait out a 3 s step timeout on two shared cores.
vi.setConfig({ testTimeout: 20_000 });

describe("structured output", () => {
  it("re-asks once on an invalid answer, then completes, and records usage per call", async () => {
    const llm = fakeLlm((call) =>
      call === 1
        ? completion("Sure! Here is my analysis: the plan is fine.", { prompt_tokens: 40, completion_tokens: 9 })
        : completion(VALID, { prompt_tokens: 70, completion_tokens: 30 }),
    );
    const id = await submit("reask@example.com");
    const done = await waitForStatus(id, ["completed", "failed"]);
    expect(done.status).toBe("completed");
    expect(done.steps.find((s) => s.name === "analyse")).toMatchObject({ status: "done", attempts: 1 });
    expect(llm.calls()).toBe(2);
    const second = llm.bodies[1] as { messages: { role: string; content: string }[] };
    expect(second.messages.at(-2)).toEqual({
      role: "assistant",
      content: "Sure! Here is my analysis: the plan is fine.",
    });
    expect(second.messages.at(-1)?.content).toMatch(/not valid \(the answer is not JSON\)/);
    expect(done.summary).toBe("The plan needs a second review.");
    expect(done.result?.markdown).toContain("## Questions for you\n\n- Who reviews it?");

    const { results } = await env.DB.prepare(
      "SELECT step, operation, provider, model, input_tokens, output_tokens, ok FROM ai_usage WHERE submission_id = ?",
    )
      .bind(id)
      .all();
    expect(results).toEqual([
      {
        step: "analyse",
        operation: "analyse",
        provider: "openai",
        model: "fake-model-1",
        input_tokens: 110,
        output_tokens: 39,
        ok: 1,
      },
    ]);
    expect(await sentNotifications(id, 1)).toHaveLength(1);
  });

  it("fails for good on a second invalid answer, with one failure notice", async () => {
    const llm = fakeLlm(() => completion('{"summary": ""}'));
    const id = await submit("invalid@example.com");
    const failed = await waitForStatus(id, ["completed", "failed"]);
    expect(failed.status).toBe("failed");
    expect(failed.error).toBe("The analyse step failed: The AI service returned an analysis in the wrong shape twice.");
    expect(failed.steps.find((s) => s.name === "analyse")).toMatchObject({ status: "failed", attempts: 1 });
    expect(llm.calls()).toBe(2);
    const rows = await sentNotifications(id, 1);
    expect(rows.map((r) => [r.event, r.status, r.attempts])).toEqual([["submission.failed", "sent", 1]]);
  });
});

describe("timeouts", () => {
  it("aborts a provider call that hangs past the step timeout, retries, and completes", async () => {
    const llm = fakeLlm((call, init) => (call === 1 ? hang(init) : completion(VALID)));
    const id = await submit("hang@example.com");
    const done = await waitForStatus(id, ["completed", "failed"]);
    expect(done.status).toBe("completed");
    expect(done.steps.find((s) => s.name === "analyse")).toMatchObject({ status: "done", attempts: 2, error: null });
    expect(llm.signals[0]?.aborted).toBe(true);
    const rows = await sentNotifications(id, 1);
    expect(rows.map((r) => r.event)).toEqual(["submission.completed"]);
  });
});

describe("the job deadline", () => {
  it("fails a job whose deadline passes, at the next step boundary, with one failure notice", async () => {
    fakeLlm((_, init) => hang(init));
    const id = await submit("deadline@example.com");
    await waitForStep(id, "analyse", "running");
    // As if the job had been running for longer than JOB_DEADLINE_MS (30 min).
    await runInDurableObject(env.JOB_COORDINATOR.getByName(id), (_: JobCoordinator, state) => {
      state.storage.sql.exec("UPDATE job SET deadline_at = ?", Date.now() - 1);
    });
    // The hung attempt is cut by its step timeout; the deadline then ends the job.
    const failed = await waitForStatus(id, ["completed", "failed"]);
    expect(failed.status).toBe("failed");
    expect(failed.error).toBe("The request took longer than the allowed 30 minutes.");
    expect(failed.steps.map((s) => s.status)).toEqual([
      "done",
      "skipped",
      "skipped",
      "done",
      "skipped",
      "skipped",
      "skipped",
    ]);
    const rows = await sentNotifications(id, 1);
    expect(rows.map((r) => r.event)).toEqual(["submission.failed"]);
  });
});

describe("cancel", () => {
  it("cancels during a slow step: cancelled at once, the call aborted, one notice", async () => {
    const llm = fakeLlm((_, init) => hang(init));
    const id = await submit("cancel@example.com");
    await waitForStep(id, "analyse", "running");

    const res = await post(`/v1/submissions/${id}/cancel`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id, status: "cancelled" });
    // Cancelled when the answer came back, not later.
    const view = await getSubmission(id);
    expect(view.status).toBe("cancelled");
    expect(view.completedAt).not.toBeNull();
    expect(view.steps.map((s) => [s.name, s.status])).toEqual([
      ["gather", "done"],
      ["transcribe", "skipped"],
      ["extract", "skipped"],
      ["retrieve", "done"],
      ["analyse", "skipped"],
      ["compose", "skipped"],
      ["notify", "skipped"],
    ]);
    expect(llm.signals[0]?.aborted).toBe(true);

    const rows = await sentNotifications(id, 1);
    expect(rows.map((r) => [r.event, r.recipient, r.attempts])).toEqual([
      ["submission.cancelled", "cancel@example.com", 1],
    ]);
    // The aborted step did not overwrite the cancel, and no retry was scheduled.
    const stub = env.JOB_COORDINATOR.getByName(id);
    const snapshot = await runInDurableObject(stub, (o: JobCoordinator) => o.snapshot());
    expect(snapshot?.status).toBe("cancelled");
    expect(await runDurableObjectAlarm(stub)).toBe(false);
    expect(llm.calls()).toBe(1);

    const again = await post(`/v1/submissions/${id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.headers.get("content-type")).toBe("application/problem+json");
    expect(await again.json()).toMatchObject({ type: "/problems/conflict", status: 409 });
    expect(await notificationRows(id)).toHaveLength(1);
  });
});

describe("retry", () => {
  it("retries a failed job from the failed step; finished steps are not run again", async () => {
    let healthy = false;
    const llm = fakeLlm(() => (healthy ? completion(VALID) : new Response('{"error":"bad key"}', { status: 401 })));
    const id = await submit("retry@example.com");
    const failed = await waitForStatus(id, ["completed", "failed"]);
    expect(failed.status).toBe("failed");
    await sentNotifications(id, 1);

    healthy = true;
    const accepted = await post(`/v1/submissions/${id}/retry`);
    expect(accepted.status).toBe(202);
    expect(await accepted.json()).toMatchObject({ id, status: "queued", error: null });
    const done = await waitForStatus(id, ["completed"]);
    expect(done.error).toBeNull();
    expect(done.steps.map((s) => [s.name, s.status, s.attempts])).toEqual([
      ["gather", "done", 1],
      ["transcribe", "skipped", 1],
      ["extract", "skipped", 1],
      ["retrieve", "done", 1],
      ["analyse", "done", 2],
      ["compose", "done", 1],
      ["notify", "done", 1],
    ]);
    expect(llm.calls()).toBe(2);
    const rows = await sentNotifications(id, 2);
    expect(rows.map((r) => [r.event, r.status, r.attempts]).sort()).toEqual([
      ["submission.completed", "sent", 1],
      ["submission.failed", "sent", 1],
    ]);

    const again = await post(`/v1/submissions/${id}/retry`);
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ type: "/problems/conflict", status: 409 });
  });

  it("answers 404 problem+json for cancel or retry of an unknown submission", async () => {
    for (const path of ["/v1/submissions/sub_01JD6Z7Q4YVQ2B3K9M5N8P0R1S/cancel", "/v1/submissions/nope/retry"]) {
      const res = await post(path);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(await res.json()).toMatchObject({ type: "/problems/not-found", status: 404 });
    }
  });
});

describe("a Durable Object aborted mid-step", () => {
  it("resumes at the interrupted step on its alarm, without re-running finished steps", async () => {
    let hangFirst = true;
    const llm = fakeLlm((_, init) => {
      if (hangFirst) {
        hangFirst = false;
        return hang(init);
      }
      return completion(VALID);
    });
    const id = await submit("abort@example.com");
    await waitForStep(id, "analyse", "running");
    await abortAllDurableObjects();

    // A fresh instance: the step is still `running` in storage, and the deadline alarm (the
    // durable half of the step timeout) is what brings the object back.
    const stub = env.JOB_COORDINATOR.getByName(id);
    await vi.waitFor(
      async () => {
        const status = (await getSubmission(id)).status;
        if (status === "completed" || status === "failed") return;
        await runDurableObjectAlarm(stub);
        throw new Error(`still ${status}`);
      },
      { timeout: 15_000, interval: 100 },
    );
    const done = await getSubmission(id);
    expect(done.status).toBe("completed");
    expect(done.steps.map((s) => [s.name, s.attempts])).toEqual([
      ["gather", 1],
      ["transcribe", 1],
      ["extract", 1],
      ["retrieve", 1],
      ["analyse", 2],
      ["compose", 1],
      ["notify", 1],
    ]);
    expect(llm.calls()).toBe(2);
    const rows = await sentNotifications(id, 1);
    expect(rows.map((r) => [r.event, r.attempts])).toEqual([["submission.completed", 1]]);
  });
});

describe("chunked transcription", () => {
  it("transcribes long audio chunk by chunk; a retry resumes at the failed chunk and stitches in order", async () => {
    const seen: number[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url === "https://llm.fake.test/v1/audio/transcriptions") {
        if (!(init?.body instanceof FormData)) throw new Error("transcription must post multipart form data");
        const file = init.body.get("file") as File;
        const chunk = new Uint8Array(await file.arrayBuffer())[0] ?? 0;
        seen.push(chunk);
        // The second chunk fails once, with a passing error.
        if (chunk === 2 && seen.filter((c) => c === 2).length === 1) return new Response("busy", { status: 503 });
        return Response.json({ text: `Part ${chunk}.`, duration: 1.5 });
      }
      if (url.startsWith("https://llm.fake.test/")) return completion(VALID);
      return realFetch(input, init);
    });

    // 2500 bytes of "MP3" in chunks of at most 1024 (AUDIO_CHUNK_BYTES), each starting with its number.
    const audio = new Uint8Array(2500);
    audio[0] = 1;
    audio[1024] = 2;
    audio[2048] = 3;
    const id = newSubmissionId();
    const file = { key: `uploads/${id}/memo.mp3`, name: "memo.mp3", contentType: "audio/mpeg" };
    await env.FILES.put(file.key, audio);
    // Written as file intake (issue 7) will write it: the stored input lists the audio.
    const input: StoredInput = {
      id,
      source: "api",
      email: "chunks@example.com",
      text: "Voice memo attached.",
      receivedAt: new Date().toISOString(),
      correlationId: "corr-chunks",
      files: [file],
    };
    await env.FILES.put(`inputs/${id}.json`, JSON.stringify(input));
    await insertSubmission(db(env.DB), {
      id,
      userId: null,
      source: "api",
      email: input.email,
      textChars: input.text.length,
      inputKey: `inputs/${id}.json`,
      correlationId: input.correlationId,
      now: Date.now(),
    });
    await env.JOB_COORDINATOR.getByName(id).start({
      kind: "job.start",
      submissionId: id,
      correlationId: "corr-chunks",
    });

    const done = await waitForStatus(id, ["completed", "failed"]);
    expect(done.status).toBe("completed");
    expect(done.steps.find((s) => s.name === "transcribe")).toMatchObject({
      status: "done",
      attempts: 2,
      provider: "openai:whisper-1",
    });
    // Chunk 1 was not sent again on the retry.
    expect(seen).toEqual([1, 2, 2, 3]);
    expect(await (await env.FILES.get(`work/${id}/transcript.md`))?.text()).toBe(
      "### memo.mp3\n\nPart 1. Part 2. Part 3.",
    );
    expect(done.result?.markdown).toContain("## Transcript\n\n### memo.mp3\n\nPart 1. Part 2. Part 3.");
    const { results } = await env.DB.prepare(
      "SELECT operation, ok, audio_seconds FROM ai_usage WHERE submission_id = ? AND step = 'transcribe' ORDER BY id",
    )
      .bind(id)
      .all();
    expect(results).toEqual([
      { operation: "transcribe", ok: 1, audio_seconds: 2 },
      { operation: "transcribe", ok: 0, audio_seconds: null },
      { operation: "transcribe", ok: 1, audio_seconds: 2 },
      { operation: "transcribe", ok: 1, audio_seconds: 2 },
    ]);
  });
});
