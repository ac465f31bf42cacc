import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { JobSnapshot } from "../durable-objects/job/snapshot";
import { type CallRecord, ProviderChain } from "../shared/ai";
import { db } from "../shared/db/client";
import { newSubmissionId } from "../shared/ids";
import type { StoredFile, StoredInput } from "../shared/submissions/accept";
import { claimRunSlot, insertSubmission } from "../shared/submissions/repo";
import { adminHeaders, BASE, getSubmission, notificationRows, postSubmission, waitForStatus } from "./helpers/api";
import { minimalPdf } from "./helpers/files";

afterEach(() => {
  vi.restoreAllMocks();
});

/** A submission written as intake (and, later, file intake) would, without starting its job. */
async function accepted(opts: { text: string; email?: string; files?: StoredFile[]; workflow?: string }) {
  const id = newSubmissionId();
  const input: StoredInput = {
    id,
    source: "api",
    email: opts.email ?? "files@example.com",
    text: opts.text,
    receivedAt: new Date().toISOString(),
    correlationId: `corr-${id}`,
    files: opts.files,
  };
  await env.FILES.put(`inputs/${id}.json`, JSON.stringify(input));
  await insertSubmission(db(env.DB), {
    id,
    userId: null,
    source: "api",
    email: input.email,
    textChars: opts.text.length,
    inputKey: `inputs/${id}.json`,
    correlationId: input.correlationId,
    workflow: opts.workflow,
    now: Date.now(),
  });
  return id;
}

const start = (id: string) =>
  env.JOB_COORDINATOR.getByName(id).start({ kind: "job.start", submissionId: id, correlationId: `corr-${id}` });

async function putFile(id: string, name: string, contentType: string, body: Uint8Array | string): Promise<StoredFile> {
  const key = `uploads/${id}/${name}`;
  await env.FILES.put(key, body, { httpMetadata: { contentType } });
  return { key, name, contentType };
}

function crc32(bytes: Uint8Array): number {
  let crc = ~0;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

/** A DOCX-shaped zip: `word/document.xml`, deflated, with a real CRC and central directory. */
async function minimalDocx(paragraphs: string[]): Promise<Uint8Array> {
  const xml = new TextEncoder().encode(
    `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${paragraphs
      .map((p) => `<w:p><w:r><w:t xml:space="preserve">${p}</w:t></w:r></w:p>`)
      .join("")}</w:body></w:document>`,
  );
  const deflated = new Uint8Array(
    await new Response(new Blob([xml]).stream().pipeThrough(new CompressionStream("deflate-raw"))).arrayBuffer(),
  );
  const name = new TextEncoder().encode("word/document.xml");
  const crc = crc32(xml);
  const local = new DataView(new ArrayBuffer(30));
  local.setUint32(0, 0x04034b50, true);
  local.setUint16(4, 20, true);
  local.setUint16(8, 8, true);
  local.setUint32(14, crc, true);
  local.setUint32(18, deflated.length, true);
  local.setUint32(22, xml.length, true);
  local.setUint16(26, name.length, true);
  const central = new DataView(new ArrayBuffer(46));
  central.setUint32(0, 0x02014b50, true);
  central.setUint16(4, 20, true);
  central.setUint16(6, 20, true);
  central.setUint16(10, 8, true);
  central.setUint32(16, crc, true);
  central.setUint32(20, deflated.length, true);
  central.setUint32(24, xml.length, true);
  central.setUint16(28, name.length, true);
  central.setUint32(42, 0, true);
  const cdOffset = 30 + name.length + deflated.length;
  const cdSize = 46 + name.length;
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, 1, true);
  end.setUint16(10, 1, true);
  end.setUint32(12, cdSize, true);
  end.setUint32(16, cdOffset, true);
  return new Uint8Array(await new Blob([local.buffer, name, deflated, central.buffer, name, end.buffer]).arrayBuffer());
}

describe("documents and audio in the analyse workflow", () => {
  it("extracts text from plain text, markdown, HTML, PDF and DOCX and analyses it with the request", async () => {
    const id = newSubmissionId();
    const files = [
      await putFile(id, "notes.txt", "text/plain", "Plain notes mention the forklift schedule."),
      await putFile(id, "plan.md", "text/markdown", "# Plan\n\nThe markdown plan mentions pallet racks."),
      await putFile(
        id,
        "page.html",
        "text/html",
        "<html><body><h1>Page</h1><p>The HTML page mentions <b>loading docks</b>.</p><script>alert(1)</script></body></html>",
      ),
      await putFile(id, "report.pdf", "application/pdf", minimalPdf("The PDF report mentions conveyor belts.")),
      await putFile(
        id,
        "brief.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        await minimalDocx(["The DOCX brief mentions shrink wrap.", "Second paragraph &amp; more."]),
      ),
    ];
    const sid = await accepted({ text: "Please review the attached warehouse documents.", files });
    await start(sid);
    const done = await waitForStatus(sid, ["completed", "failed"]);
    expect(done.error).toBeNull();
    expect(done.status).toBe("completed");
    expect(done.steps.map((s) => [s.name, s.status])).toEqual([
      ["gather", "done"],
      ["transcribe", "skipped"],
      ["extract", "done"],
      ["retrieve", "done"],
      ["analyse", "done"],
      ["compose", "done"],
      ["notify", "done"],
    ]);
    const extracted = await (await env.FILES.get(`work/${sid}/documents.md`))?.text();
    for (const phrase of [
      "Plain notes mention the forklift schedule.",
      "The markdown plan mentions pallet racks.",
      "The HTML page mentions loading docks.",
      "The PDF report mentions conveyor belts.",
      "The DOCX brief mentions shrink wrap.",
      "Second paragraph & more.",
    ]) {
      expect(extracted).toContain(phrase);
    }
    expect(extracted).not.toContain("alert(1)");
    expect(await notificationRows(sid)).toHaveLength(1);
  });

  it("fails at once, without retries, on a file type it cannot read", async () => {
    const id = newSubmissionId();
    const files = [await putFile(id, "image.png", "image/png", new Uint8Array([137, 80, 78, 71]))];
    const sid = await accepted({ text: "Please look at the picture.", files, email: "png@example.com" });
    await start(sid);
    const failed = await waitForStatus(sid, ["completed", "failed"]);
    expect(failed.status).toBe("failed");
    expect(failed.error).toBe('The gather step failed: The file "image.png" (image/png) is not supported.');
    expect(failed.steps[0]).toMatchObject({ name: "gather", status: "failed", attempts: 1 });
  });

  it("says honestly that audio was not transcribed offline, and still completes", async () => {
    const id = newSubmissionId();
    const files = [await putFile(id, "voice.mp3", "audio/mpeg", new Uint8Array(2048).fill(7))];
    const sid = await accepted({ text: "Voice note attached about the delivery delays.", files });
    await start(sid);
    const done = await waitForStatus(sid, ["completed", "failed"]);
    expect(done.status).toBe("completed");
    expect(done.steps.find((s) => s.name === "transcribe")).toMatchObject({ status: "done", provider: "local:none" });
    // The offline marker is not request text: one notice line, nothing in the answer or transcript.
    const markdown = done.result?.markdown ?? "";
    expect(markdown).not.toContain("No transcription offline");
    expect(markdown.split('The voice note "voice.mp3" could not be transcribed offline.')).toHaveLength(2);
    expect(markdown).toContain('\n> The voice note "voice.mp3" could not be transcribed offline.\n');
    expect(markdown).not.toContain("## Transcript");
    expect(done.summary).not.toContain("No transcription");
    expect(markdown).toContain("- Could you write down what the voice note says? We could not transcribe it.");
  });

  it("runs the transcribe workflow chosen at intake: audio steps only, no model analysis", async () => {
    const res = await postSubmission({
      text: "Transcript only, please.",
      email: "t@example.com",
      workflow: "transcribe",
    });
    expect(res.status).toBe(202);
    const { id } = await res.json<{ id: string }>();
    const done = await waitForStatus(id, ["completed", "failed"]);
    expect(done.workflow).toBe("transcribe");
    expect(done.steps.map((s) => [s.name, s.status])).toEqual([
      ["gather", "done"],
      ["transcribe", "skipped"],
      ["compose", "done"],
      ["notify", "done"],
    ]);
    expect(done.result?.markdown).toMatch(/^# Transcript\n\n_The request carried no audio._/);

    const bad = await postSubmission({ text: "x", email: "t@example.com", workflow: "summon" });
    expect(bad.status).toBe(422);
    const problem = await bad.json<{ errors: { pointer: string }[] }>();
    expect(problem.errors.map((e) => e.pointer)).toEqual(["/workflow"]);
  });
});

/** Reads an event stream to its end: the data of every `event: job`. */
async function readSse(res: Response): Promise<JobSnapshot[]> {
  const text = await res.text();
  return text
    .split("\n\n")
    .filter((block) => block.startsWith("event: job"))
    .map((block) => JSON.parse(block.split("\ndata: ")[1] ?? "null") as JobSnapshot);
}

describe("live progress", () => {
  it("streams every step change over SSE, in order, and closes at the final state", async () => {
    const id = await accepted({ text: "Follow me live. The forklift needs a new battery soon." });
    const res = await exports.default.fetch(`${BASE}/v1/submissions/${id}/events`, { headers: await adminHeaders() });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const events = readSse(res);
    await start(id);
    const snapshots = await events;
    expect(snapshots[0]?.status).toBe("queued");
    expect(snapshots.at(-1)?.status).toBe("completed");
    // Each step was seen running before it was seen finished.
    for (const name of ["gather", "retrieve", "analyse", "compose", "notify"]) {
      const statuses = snapshots.map((s) => s.steps.find((st) => st.name === name)?.status);
      const running = statuses.indexOf("running");
      expect(running, name).toBeGreaterThan(0);
      expect(statuses.indexOf("done"), name).toBeGreaterThan(running);
    }
    expect(snapshots.at(-1)?.steps.map((s) => s.status)).toEqual([
      "done",
      "skipped",
      "skipped",
      "done",
      "done",
      "done",
      "done",
    ]);
  });

  it("pushes changes to a WebSocket watcher and closes it when the job completes", async () => {
    const id = await accepted({ text: "Watch over a socket. The dock doors need repair." });
    const res = await exports.default.fetch(`${BASE}/v1/submissions/${id}/events`, {
      headers: await adminHeaders({ upgrade: "websocket" }),
    });
    expect(res.status).toBe(101);
    const ws = res.webSocket;
    if (!ws) throw new Error("no WebSocket");
    const messages: JobSnapshot[] = [];
    const closed = new Promise<number>((resolve) => ws.addEventListener("close", (e) => resolve(e.code)));
    ws.addEventListener("message", (e) => messages.push(JSON.parse(String(e.data)) as JobSnapshot));
    ws.accept();
    await start(id);
    expect(await closed).toBe(1000);
    expect(messages[0]?.status).toBe("queued");
    expect(messages.at(-1)?.status).toBe("completed");
    expect(messages.length).toBeGreaterThan(6);
  });

  it("answers 404 problem+json for the events of an unknown submission", async () => {
    const res = await exports.default.fetch(`${BASE}/v1/submissions/sub_01JD6Z7Q4YVQ2B3K9M5N8P0R1S/events`, {
      headers: await adminHeaders(),
    });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });
});

describe("cancel and retry by state", () => {
  it("refuses to cancel or retry a completed submission with 409 problem+json", async () => {
    const { id } = await (await postSubmission({ text: "Done soon.", email: "c@example.com" })).json<{ id: string }>();
    await waitForStatus(id, ["completed"]);
    for (const action of ["cancel", "retry"]) {
      const res = await exports.default.fetch(`${BASE}/v1/submissions/${id}/${action}`, {
        method: "POST",
        headers: await adminHeaders(),
      });
      expect(res.status).toBe(409);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
    }
    expect((await getSubmission(id)).status).toBe("completed");
  });

  it("cancels a job before its queue message arrives; the late message then does nothing", async () => {
    const id = await accepted({ text: "Cancel me before I start.", email: "early@example.com" });
    const res = await exports.default.fetch(`${BASE}/v1/submissions/${id}/cancel`, {
      method: "POST",
      headers: await adminHeaders(),
    });
    expect(res.status).toBe(200);
    const snapshot = await start(id);
    expect(snapshot?.status).toBe("cancelled");
    expect(snapshot?.steps.every((s) => s.status === "skipped" && s.attempts === 0)).toBe(true);
    const rows = await vi.waitFor(
      async () => {
        const r = await notificationRows(id);
        if (r[0]?.status !== "sent") throw new Error("not sent");
        return r;
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(rows.map((r) => r.event)).toEqual(["submission.cancelled"]);
  });
});

describe("the provider fallback chain", () => {
  const config = {
    AI_FALLBACK: "openai,local",
    AI_BASE_URL: "https://llm.fake.test/v1",
    AI_API_KEY: "k",
    AI_MODEL: "m",
    PROVIDER_TIMEOUT_MS: "50",
  };

  it("hands over to the next provider when one hangs past its per-call timeout", async () => {
    vi.spyOn(globalThis, "fetch").mockImplementation(
      (_, init) =>
        new Promise((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal?.reason))),
    );
    const calls: CallRecord[] = [];
    const result = await new ProviderChain(config).analyse(
      { submissionId: "s", text: "Hello team. We need more shelves." },
      { onCall: (c) => calls.push(c) },
    );
    expect(result.provider).toBe("local");
    expect(result.structured.understood).toEqual(["We need more shelves."]);
    expect(calls.map((c) => [c.provider, c.ok, c.error])).toEqual([
      ["openai", false, "The AI service did not answer within 50 ms."],
      ["local", true, null],
    ]);
  });

  it("hands over on a refusal too, but stops at once when the caller aborts", async () => {
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("no", { status: 401 }));
    const viaLocal = await new ProviderChain(config).analyse({ submissionId: "s", text: "Hello there." });
    expect(viaLocal.provider).toBe("local");

    const controller = new AbortController();
    const reason = new Error("cancelled by the test");
    vi.spyOn(globalThis, "fetch").mockImplementation(async () => {
      controller.abort(reason);
      throw reason;
    });
    const calls: CallRecord[] = [];
    const error = await new ProviderChain(config)
      .analyse({ submissionId: "s", text: "Hello there." }, { signal: controller.signal, onCall: (c) => calls.push(c) })
      .catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(calls).toEqual([]);
  });
});

describe("per-owner concurrency", () => {
  it("admits at most the limit of one owner's jobs at a time, and never blocks another owner", async () => {
    const d = db(env.DB);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await accepted({ text: `Job ${i}`, email: "busy@example.com" }));
    const other = await accepted({ text: "Someone else", email: "calm@example.com" });
    const now = Date.now();
    const admitted = [];
    for (const id of ids) admitted.push(await claimRunSlot(d, id, "busy@example.com", 3, now));
    expect(admitted).toEqual([true, true, true, false]);
    expect(await claimRunSlot(d, other, "calm@example.com", 3, now)).toBe(true);
    // An admitted job asking again (its object restarted) keeps its slot.
    expect(await claimRunSlot(d, ids[0] ?? "", "busy@example.com", 3, now)).toBe(true);
  });
});

describe("ownership of job controls", () => {
  it("answers another user's cancel, retry or events with the same 404 as an unknown id", async () => {
    const res = await postSubmission({ text: "Mine to cancel. Nobody else's.", email: "holder@example.com" });
    const { id } = await res.json<{ id: string }>();
    const { apiKeyFor } = await import("./helpers/api");
    const other = { authorization: `Bearer ${await apiKeyFor("meddler@example.com")}` };
    for (const [path, method] of [
      [`/v1/submissions/${id}/cancel`, "POST"],
      [`/v1/submissions/${id}/retry`, "POST"],
      [`/v1/submissions/${id}/events`, "GET"],
    ] as const) {
      const r = await exports.default.fetch(`${BASE}${path}`, { method, headers: other });
      expect(r.status).toBe(404);
      expect(r.headers.get("content-type")).toBe("application/problem+json");
    }
    const anonymous = await exports.default.fetch(`${BASE}/v1/submissions/${id}/cancel`, { method: "POST" });
    expect(anonymous.status).toBe(401);
    await waitForStatus(id, ["completed", "cancelled"]);
  });
});
