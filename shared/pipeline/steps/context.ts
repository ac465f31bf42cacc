/**
 * The contract between the job engine and its step runners. A runner gets a `StepContext` —
 * the job's facts, the bindings it may use, the outputs of earlier steps, its own memoized
 * parts, the attempt's abort signal — and answers with a `StepResult`; it never sees the
 * engine's storage. The Durable Object implements the context from its SQLite storage; a
 * Node test implements it with a few maps.
 */
import type { CallRecord, ProviderConfig } from "../../ai";
import type { Logger } from "../../log";
import type { SubmissionEvent } from "../../messages";
import type { Source } from "../../retrieval/types";
import type { JobDecision } from "../../review";
import type { StoredFile } from "../../submissions/accept";
import type { StepName } from "../workflows";

/** What a runner knows about its job. */
export interface JobFacts {
  id: string;
  workflow: string;
  correlationId: string;
  /** The R2 key of the stored input (`StoredInput`). */
  inputKey: string;
  /** The reviewer's decision, once a `reviewed` workflow has one. */
  reviewDecision: JobDecision | null;
  reviewedAt: number | null;
}

/** The bindings and settings the runners read: a subset of `Env`. */
export interface StepEnv extends ProviderConfig {
  FILES: Pick<R2Bucket, "get" | "put">;
  /** The site's public origin: the result's sources link to it. */
  PUBLIC_BASE_URL?: string;
  /** Largest audio chunk sent for transcription; default 20 MiB. */
  AUDIO_CHUNK_BYTES?: string;
  /** For `retrieve`: D1 with the passages, the built site to ingest, the vector backends. */
  DB?: D1Database;
  ASSETS?: Fetcher;
  VECTORIZE?: VectorizeIndex;
  PASSAGES_INDEX?: VectorizeIndex;
  SEARCH_BACKEND?: string;
  /** `d1` (default), `vectorize` or `hybrid`: see `shared/retrieval/index.ts`. */
  RETRIEVAL_BACKEND?: string;
}

/** The result document as the compose step records it on the submission. */
export interface ComposedResult {
  key: string;
  summary: string;
  provider: string;
  /** The passages the result cites, numbered as in its `## Sources`; empty when none. */
  sources: Source[];
}

/** One delivery of an owner notice, as the notification engine reports it. */
export interface NoticeDelivery {
  id: string;
  channel: string;
  status: string;
}

export interface StepContext {
  job: JobFacts;
  env: StepEnv;
  /** Aborted when the attempt times out or the job is cancelled. */
  signal: AbortSignal;
  /** Told about every provider call, for usage accounting. */
  onCall(call: CallRecord): void;
  log: Logger;
  /** A finished step's output; throws `PermanentStepError` when it has none. */
  output<T>(step: StepName): Promise<T>;
  /** The provider (`name:model`) a finished step recorded, or null. */
  providerOf(step: StepName): string | null;
  /** The text a finished `transcribe` or `extract` step stored in R2, or null (skipped, none). */
  workText(step: "transcribe" | "extract"): Promise<string | null>;
  /** A memoized part of a step (a transcribed chunk, an extracted document), or null. */
  part<T>(step: StepName, key: string): T | null;
  /** Memoizes a part at once: a retry of the step finds it done. */
  setPart(step: StepName, key: string, value: unknown): void;
  /** Records the composed result on the submission (its key, summary and provider). */
  recordResult(result: ComposedResult): Promise<void>;
  /** Removes the result (a discarded draft): its R2 object, and its key, summary and sources on the submission. */
  discardResult(): Promise<void>;
  /**
   * Tells the job's owner about an event on every channel they chose, through the one notice
   * path (`shared/pipeline/notices.ts`); `inlineEmail` delivers the email before answering.
   */
  tellOwner(event: SubmissionEvent, options: { inlineEmail: boolean }): Promise<NoticeDelivery[]>;
}

/** What a runner answers: the output to store, the provider it used, or that it had nothing to do. */
export type StepResult = { output?: unknown; provider?: string; skipped?: boolean };

/** One step kind's work. */
export type StepRunner = (ctx: StepContext) => Promise<StepResult>;

/** What the gather step found: the request text, and its files by kind. */
export interface Gathered {
  text: string;
  audio: StoredFile[];
  documents: StoredFile[];
}
