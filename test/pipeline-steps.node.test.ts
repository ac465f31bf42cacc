/**
 * The step runners of `shared/pipeline/steps`, driven in Node without a Durable Object: each
 * gets an in-memory `StepContext` (maps for R2, step outputs and memoized parts) and the real
 * offline provider (`AI_PROVIDER` unset: `local`), so nothing leaves the process.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Analysis, AnalysisInput, CallRecord } from "../shared/ai";
import { LocalProvider } from "../shared/ai/local";
import { PermanentStepError } from "../shared/pipeline/errors";
import { steps } from "../shared/pipeline/steps";
import { MAX_ANALYSIS_CHARS } from "../shared/pipeline/steps/analyse";
import type {
  ComposedResult,
  Gathered,
  JobFacts,
  StepContext,
  StepEnv,
  StepResult,
} from "../shared/pipeline/steps/context";
import { STEP_KINDS, type StepName } from "../shared/pipeline/workflows";
import type { StoredFile, StoredInput } from "../shared/submissions/accept";

const ID = "sub_01JF0000000000000000000STP";
const silent = { debug() {}, info() {}, warn() {}, error() {}, child: () => silent };

interface Stored {
  bytes: Uint8Array;
  contentType?: string;
  customMetadata?: Record<string, string>;
}

/** An R2 stand-in: `get` and `put` over a map, with the body readers the steps use. */
function memoryBucket(objects: Map<string, Stored>): StepEnv["FILES"] {
  const bucket = {
    async get(key: string) {
      const object = objects.get(key);
      if (!object) return null;
      const text = () => new TextDecoder().decode(object.bytes);
      return {
        async text() {
          return text();
        },
        async json() {
          return JSON.parse(text()) as unknown;
        },
        async arrayBuffer() {
          return object.bytes.slice().buffer;
        },
      };
    },
    async put(
      key: string,
      value: string | Uint8Array,
      options?: { httpMetadata?: { contentType?: string }; customMetadata?: Record<string, string> },
    ) {
      const bytes = typeof value === "string" ? new TextEncoder().encode(value) : value;
      objects.set(key, {
        bytes,
        contentType: options?.httpMetadata?.contentType,
        customMetadata: options?.customMetadata,
      });
      return null;
    },
  };
  return bucket as unknown as StepEnv["FILES"];
}

/**
 * A job in memory: its files, the finished steps (status, output, provider), memoized parts,
 * and what the steps recorded or announced. `run` runs one step as the engine would and
 * stores its outcome, so later steps read it.
 */
function memoryJob(options: { job?: Partial<JobFacts>; env?: Partial<StepEnv> } = {}) {
  const objects = new Map<string, Stored>();
  const finished = new Map<StepName, { status: "done" | "skipped"; output: unknown; provider: string | null }>();
  const parts = new Map<string, unknown>();
  const calls: CallRecord[] = [];
  const results: ComposedResult[] = [];
  const discarded: string[] = [];
  const notices: { event: string; inlineEmail: boolean }[] = [];
  const job: JobFacts = {
    id: ID,
    workflow: "analyse",
    correlationId: "corr-steps",
    inputKey: `inputs/${ID}.json`,
    reviewDecision: null,
    reviewedAt: null,
    ...options.job,
  };
  const env: StepEnv = { FILES: memoryBucket(objects), ...options.env };
  const ctx: StepContext = {
    job,
    env,
    signal: new AbortController().signal,
    onCall: (call) => calls.push(call),
    log: silent,
    async output<T>(step: StepName) {
      const row = finished.get(step);
      if (!row) throw new PermanentStepError(`The ${step} step has no stored output.`);
      return row.output as T;
    },
    providerOf: (step) => finished.get(step)?.provider ?? null,
    async workText(step) {
      const row = finished.get(step);
      const key = row?.status === "done" ? (row.output as { key?: string }).key : undefined;
      const object = key ? objects.get(key) : undefined;
      return object ? new TextDecoder().decode(object.bytes).trim() : null;
    },
    part: <T>(step: StepName, key: string) => (parts.get(`${step}/${key}`) as T | undefined) ?? null,
    setPart: (step, key, value) => {
      parts.set(`${step}/${key}`, value);
    },
    async recordResult(result) {
      results.push(result);
    },
    async discardResult() {
      discarded.push(job.id);
    },
    async tellOwner(event, { inlineEmail }) {
      notices.push({ event, inlineEmail });
      return [{ id: `${job.id}:${event}:email`, channel: "email", status: "sent" }];
    },
  };
  return {
    ctx,
    objects,
    parts,
    calls,
    results,
    discarded,
    notices,
    put: (key: string, body: string | Uint8Array, contentType = "application/octet-stream") =>
      objects.set(key, { bytes: typeof body === "string" ? new TextEncoder().encode(body) : body, contentType }),
    text: (key: string) => {
      const object = objects.get(key);
      return object ? new TextDecoder().decode(object.bytes) : undefined;
    },
    /** Stores the request as intake does. */
    input(text: string, files: StoredFile[] = []) {
      const input: StoredInput = {
        id: job.id,
        source: "api",
        email: "steps@example.com",
        text,
        receivedAt: new Date(0).toISOString(),
        correlationId: job.correlationId,
        files,
      };
      this.put(job.inputKey, JSON.stringify(input), "application/json");
    },
    async run(name: StepName): Promise<StepResult> {
      const result = await steps[name](ctx);
      finished.set(name, {
        status: result.skipped ? "skipped" : "done",
        output: result.output ?? { done: true },
        provider: result.provider ?? null,
      });
      return result;
    },
  };
}

const file = (name: string, contentType: string): StoredFile => ({ key: `uploads/${ID}/${name}`, name, contentType });

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the step registry", () => {
  it("has a runner for every step kind a workflow may name", () => {
    expect(Object.keys(steps).sort()).toEqual([...STEP_KINDS].sort());
  });
});

describe("gather", () => {
  it("routes audio to transcribe and documents to extract", async () => {
    const job = memoryJob();
    const [memo, notes, voice, report] = [
      file("memo.mp3", "audio/mpeg"),
      file("notes.txt", "text/plain"),
      file("voice.m4a", "application/octet-stream"),
      file("report.pdf", "application/pdf"),
    ];
    job.input("Please look at these.", [memo, notes, voice, report]);
    const { output } = await job.run("gather");
    expect(output).toEqual({
      text: "Please look at these.",
      audio: [memo, voice],
      documents: [notes, report],
    } satisfies Gathered);
  });

  it("refuses a file it cannot read, for good", async () => {
    const job = memoryJob();
    job.input("A picture.", [file("image.png", "image/png")]);
    const error = await job.run("gather").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentStepError);
    expect((error as Error).message).toBe('The file "image.png" (image/png) is not supported.');
  });

  it("refuses a request whose input is missing from storage", async () => {
    const error = await memoryJob()
      .run("gather")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentStepError);
  });
});

describe("transcribe", () => {
  it("is skipped, calling no provider, when the request carries no audio", async () => {
    const job = memoryJob();
    job.input("Text only.", [file("notes.txt", "text/plain")]);
    await job.run("gather");
    expect(await job.run("transcribe")).toEqual({ skipped: true, output: { skipped: "no audio" } });
    expect(job.calls).toEqual([]);
    expect(await job.ctx.workText("transcribe")).toBeNull();
  });

  it("resumes at the first chunk not memoized and stitches the chunks in order", async () => {
    const job = memoryJob({ env: { AUDIO_CHUNK_BYTES: "1024" } });
    const memo = file("memo.mp3", "audio/mpeg");
    job.put(memo.key, new Uint8Array(2500).fill(1), "audio/mpeg");
    job.input("Voice memo attached.", [memo]);
    await job.run("gather");
    // The first of three chunks was done by an earlier attempt.
    job.ctx.setPart("transcribe", "0:0", { text: "Part one.", transcribed: true, provider: "openai:whisper-1" });

    const result = await job.run("transcribe");
    expect(job.calls.map((c) => [c.operation, c.provider, c.ok])).toEqual([
      ["transcribe", "local", true],
      ["transcribe", "local", true],
    ]);
    expect([...job.parts.keys()]).toEqual(["transcribe/0:0", "transcribe/0:1", "transcribe/0:2"]);
    expect(result).toEqual({
      output: { key: `work/${ID}/transcript.md`, transcribed: false, untranscribed: ["memo.mp3"] },
      provider: "openai:whisper-1,local:none",
    });
    // Only what was transcribed is transcript text; the offline marker stays out of it.
    const transcript = job.text(`work/${ID}/transcript.md`) ?? "";
    expect(transcript).toBe("### memo.mp3\n\nPart one.");
    expect(job.parts.get("transcribe/0:2")).toMatchObject({ transcribed: false });

    // Run again (a retry after a later failure): every chunk is memoized, no call is made.
    await job.run("transcribe");
    expect(job.calls).toHaveLength(2);
    expect(job.text(`work/${ID}/transcript.md`)).toBe(transcript);
  });
});

describe("extract", () => {
  it("memoizes each document: a retry reads only the documents not done", async () => {
    const job = memoryJob();
    const notes = file("notes.txt", "text/plain");
    const plan = file("plan.md", "text/markdown");
    job.put(notes.key, "Notes about the forklift.");
    job.put(plan.key, "# Plan\n\nThe plan mentions pallet racks.");
    job.input("Two documents.", [notes, plan]);
    await job.run("gather");

    expect(await job.run("extract")).toEqual({ output: { key: `work/${ID}/documents.md` } });
    const first = job.text(`work/${ID}/documents.md`);
    expect(first).toBe(
      "### notes.txt\n\nNotes about the forklift.\n\n### plan.md\n\n# Plan\n\nThe plan mentions pallet racks.",
    );
    expect(job.parts.get("extract/0")).toBe("Notes about the forklift.");

    // The files are gone, but their parts are memoized: a re-run needs neither.
    job.objects.delete(notes.key);
    job.objects.delete(plan.key);
    await job.run("extract");
    expect(job.text(`work/${ID}/documents.md`)).toBe(first);

    // Only the memo of the first survives: the second document is read again (and is missing).
    job.parts.delete("extract/1");
    const error = await job.run("extract").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentStepError);
    expect((error as Error).message).toBe('The document "plan.md" is missing from storage.');
  });

  it("is skipped when the request carries no documents", async () => {
    const job = memoryJob();
    job.input("Nothing attached.");
    await job.run("gather");
    expect(await job.run("extract")).toEqual({ skipped: true, output: { skipped: "no documents" } });
  });
});

describe("retrieve", () => {
  it("succeeds with zero passages when the job has no site to read, and analyse answers from its output", async () => {
    const seen = vi.spyOn(LocalProvider.prototype, "analyse");
    const job = memoryJob();
    job.input("How much does online booking cost?");
    for (const step of ["gather", "transcribe", "extract"] as const) await job.run(step);
    const result = await job.run("retrieve");
    expect(result).toEqual({ output: { query: "", passages: [] } });
    await job.run("analyse");
    expect((seen.mock.calls[0]?.[0] as AnalysisInput | undefined)?.passages).toEqual([]);
  });
});

describe("analyse", () => {
  it("passes the request, transcript and document texts to the model, cut to the maximum", async () => {
    const seen = vi.spyOn(LocalProvider.prototype, "analyse");
    const job = memoryJob();
    const notes = file("notes.txt", "text/plain");
    const memo = file("memo.mp3", "audio/mpeg");
    job.put(notes.key, `The documents mention conveyor belts. ${"Filler words go here. ".repeat(4000)}`);
    job.put(memo.key, new Uint8Array(64));
    job.input("Please analyse the warehouse. We need more shelves.", [memo, notes]);
    for (const step of ["gather", "transcribe", "extract", "retrieve"] as const) await job.run(step);

    const result = await job.run("analyse");
    const input = seen.mock.calls[0]?.[0] as AnalysisInput;
    expect(input.submissionId).toBe(ID);
    expect(input.text.startsWith("Please analyse the warehouse. We need more shelves.\n\n## Documents\n\n")).toBe(true);
    expect(input.text).not.toContain("No transcription offline");
    expect(input.text).not.toContain("## Transcript of the audio");
    expect(input.notices).toEqual(['The voice note "memo.mp3" could not be transcribed offline.']);
    expect(input.passages).toEqual([]);
    expect(input.text).toContain("## Documents\n\n### notes.txt\n\nThe documents mention conveyor belts.");
    expect(input.text.length).toBeLessThanOrEqual(MAX_ANALYSIS_CHARS);
    expect(input.text.endsWith("…")).toBe(true);
    expect(result.provider).toBe("local:statex-extractive-v1");
    expect((result.output as Analysis).provider).toBe("local");
    expect(job.calls.filter((c) => c.operation === "analyse")).toHaveLength(1);
  });
});

describe("compose", () => {
  it("writes a transcript-only result for the transcribe workflow, without analysis", async () => {
    const job = memoryJob({ job: { workflow: "transcribe" } });
    job.input("Transcript only, please.");
    await job.run("gather");
    await job.run("transcribe");

    expect(await job.run("compose")).toEqual({ output: { key: `results/${ID}.md` } });
    expect(job.text(`results/${ID}.md`)).toBe("# Transcript\n\n_The request carried no audio._\n");
    expect(job.objects.get(`results/${ID}.md`)?.customMetadata).toEqual({
      submissionId: ID,
      provider: "none",
      model: "none",
    });
    expect(job.results).toEqual([{ key: `results/${ID}.md`, summary: "", provider: "none", sources: [] }]);
  });

  it("summarises the transcript and names the provider that transcribed it", async () => {
    const job = memoryJob({ job: { workflow: "transcribe" } });
    const memo = file("memo.mp3", "audio/mpeg");
    job.put(memo.key, new Uint8Array(10));
    job.input("Voice memo.", [memo]);
    for (const step of ["gather", "transcribe", "compose"] as const) await job.run(step);
    expect(job.text(`results/${ID}.md`)).toBe(
      '# Transcript\n\n> The voice note "memo.mp3" could not be transcribed offline.\n\n_No audio could be transcribed._\n',
    );
    expect(job.results[0]).toMatchObject({ provider: "local", sources: [] });
    expect(job.results[0]?.summary).toBe('The voice note "memo.mp3" could not be transcribed offline.');
    expect(job.objects.get(`results/${ID}.md`)?.customMetadata?.model).toBe("none");
  });
});

describe("compose, with the grounded answer", () => {
  it("records the cited passages as numbered sources with absolute links, and the audio notice once", async () => {
    const pricing = {
      id: "en:services/booking#pricing",
      locale: "en",
      title: "Online booking",
      section: "Pricing",
      url: "/services/booking/#pricing",
      text: "Online booking costs €1,200 per clinic.",
      score: 2,
    };
    // Without D1 or a site `retrieve` finds no passages (its own tests are test/retrieval*.ts);
    // here the provider is handed one.
    const original = LocalProvider.prototype.analyse;
    vi.spyOn(LocalProvider.prototype, "analyse").mockImplementation(function (this: LocalProvider, input) {
      return original.call(this, { ...input, passages: [pricing] });
    });
    const job = memoryJob({ env: { PUBLIC_BASE_URL: "https://statex.example/" } });
    const memo = file("memo.mp3", "audio/mpeg");
    job.put(memo.key, new Uint8Array(32));
    job.input("We need online booking. How much does online booking cost?", [memo]);
    for (const step of ["gather", "transcribe", "extract", "retrieve", "analyse", "compose"] as const) {
      await job.run(step);
    }

    const markdown = job.text(`results/${ID}.md`) ?? "";
    expect(job.results[0]?.sources).toEqual([
      {
        n: 1,
        title: "Online booking",
        section: "Pricing",
        url: "https://statex.example/services/booking/#pricing",
        locale: "en",
        score: 2,
      },
    ]);
    expect(markdown).toContain("- Online booking costs €1,200 per clinic. [1]");
    expect(markdown).toContain(
      "## Sources\n\n1. [Online booking — Pricing](https://statex.example/services/booking/#pricing)\n",
    );
    expect(markdown).not.toContain("No transcription offline");
    expect(markdown.split('The voice note "memo.mp3" could not be transcribed offline.')).toHaveLength(2);
    expect(job.results[0]?.summary).not.toContain("voice note");
  });
});

describe("review", () => {
  it("refuses a rejected result for good, and passes an approved one on", async () => {
    const rejected = await memoryJob({ job: { reviewDecision: "reject", reviewedAt: 5 } })
      .run("review")
      .catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(PermanentStepError);
    expect((rejected as Error).message).toBe("The result was rejected in review.");

    const approvedJob = memoryJob({ job: { reviewDecision: "approve", reviewedAt: 7 } });
    expect(await approvedJob.run("review")).toEqual({ output: { decision: "approve", at: 7 } });
    expect(approvedJob.discarded).toEqual([]);
  });

  it("removes a draft staff discarded, and notify then tells the owner nothing", async () => {
    const job = memoryJob({ job: { reviewDecision: "discard", reviewedAt: 9 } });
    expect(await job.run("review")).toEqual({ output: { decision: "discard", at: 9 } });
    expect(job.discarded).toEqual([ID]);
    expect(await job.run("notify")).toEqual({ output: { deliveries: [], discarded: true } });
    expect(job.notices).toEqual([]);
  });
});

describe("notify", () => {
  it("tells the owner the job completed, the email inline, and keeps the deliveries", async () => {
    const job = memoryJob();
    expect(await job.run("notify")).toEqual({
      output: { deliveries: [{ id: `${ID}:submission.completed:email`, channel: "email", status: "sent" }] },
    });
    expect(job.notices).toEqual([{ event: "submission.completed", inlineEmail: true }]);
  });
});
