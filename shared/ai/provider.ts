import { z } from "zod";
import type { RetrievedPassage } from "../retrieval/types";

/** What a provider analyses: the request text of one submission and the site passages for it. */
export interface AnalysisInput {
  submissionId: string;
  text: string;
  /** Passages of our own site that bear on the request (the `retrieve` step); the answer cites them. */
  passages?: RetrievedPassage[];
  /**
   * Facts about the input that are not its text, e.g. "The voice note could not be
   * transcribed offline." They reach the result once, as notices, never as request text.
   */
  notices?: string[];
}

const line = z.string().trim().min(1).max(1000);
/** One claim and the ids of the passages (`RetrievedPassage.id`) it rests on. */
const cited = z.object({
  /** The request's question or need this claim answers, when it answers one. */
  question: z.string().trim().min(1).max(500).optional(),
  text: line,
  citations: z.array(z.string().trim().min(1).max(300)).max(10).default([]),
});

/**
 * The validated structure every provider's analysis must have. Language models are asked for
 * exactly this JSON; an answer that does not parse is re-asked once, then refused. The lists
 * default to empty, so a model that leaves one out is not refused for it.
 */
export const StructuredAnalysis = z.object({
  /** Two or three sentences of what the request is about. */
  summary: z.string().trim().min(1).max(2000),
  /** Each question or need of the request answered, with the passages each claim rests on. */
  answer: z.array(cited).max(20).default([]),
  /** What the person needs, as we understood it. */
  understood: z.array(line).max(30).default([]),
  /** The matching services or next actions, from the passages. */
  proposals: z.array(cited).max(20).default([]),
  /** What is missing to proceed, asked of the person. */
  questions: z.array(line).max(30).default([]),
});
export type StructuredAnalysis = z.infer<typeof StructuredAnalysis>;
export type CitedClaim = StructuredAnalysis["answer"][number];

/** A passage the result cites, without its text: what its `## Sources` entry needs. */
export type CitedPassage = Omit<RetrievedPassage, "text">;

/** What one provider call cost: recorded per call in D1 (`ai_usage`). */
export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
  /** Seconds of audio, for transcription. */
  audioSeconds?: number;
}

/** A provider's analysis, ready to store: a markdown document and a plain-text summary. */
export interface Analysis {
  /** The validated structure the document was composed from; its citations name `cited` only. */
  structured: StructuredAnalysis;
  /** The passages the structure cites, in citation order. */
  cited: CitedPassage[];
  /** The input's notices, rendered once at the top of the document. */
  notices: string[];
  /** Who wrote the analysis, the document's provenance line. */
  label: string;
  usage?: Usage;
  /** The full result document (markdown), composed by `./document.ts` with site-relative links. */
  markdown: string;
  /** One to three sentences of plain text, at most `SUMMARY_MAX_CHARS`. */
  summary: string;
  /** ISO 639-1 code of the request's language, or `und` when unknown. */
  language: string;
  provider: ProviderName;
  model: string;
}

export const PROVIDER_NAMES = ["local", "workers-ai", "openai"] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export const SUMMARY_MAX_CHARS = 500;

export interface AnalyseOptions {
  /** Aborts the provider call (timeout or cancel). */
  signal?: AbortSignal;
  /** W3C `traceparent` to send with HTTP calls, so the provider's traces join ours. */
  traceparent?: string;
}

/** One audio file (or one chunk of it) to transcribe. */
export interface AudioInput {
  bytes: Uint8Array;
  contentType: string;
  name: string;
}

export interface Transcript {
  text: string;
  /** False when the provider could not transcribe (the local marker): the text says why. */
  transcribed: boolean;
  provider: ProviderName;
  model: string;
  usage?: Usage;
}

/** Vectors for search, one per input text, in input order. */
export interface Embeddings {
  vectors: number[][];
  provider: ProviderName;
  model: string;
  usage?: Usage;
}

/** The interface the pipeline's steps (and search) call. */
export interface AiProvider {
  readonly name: ProviderName;
  analyse(input: AnalysisInput, options?: AnalyseOptions): Promise<Analysis>;
  transcribe(audio: AudioInput, options?: AnalyseOptions): Promise<Transcript>;
  embed(texts: string[], options?: AnalyseOptions): Promise<Embeddings>;
}

/**
 * A provider failure. `retryable` separates passing trouble (rate limits, 5xx, timeouts,
 * network) from permanent refusals (bad credentials, bad request, content refused), which no
 * retry will fix. `message` is safe to show a user; `cause` keeps the upstream detail.
 */
export class ProviderError extends Error {
  readonly retryable: boolean;
  readonly provider: ProviderName;

  constructor(provider: ProviderName, message: string, retryable: boolean, cause?: unknown) {
    super(message, { cause });
    this.name = "ProviderError";
    this.provider = provider;
    this.retryable = retryable;
  }
}

/** Plain text of the `## Summary` section of a model's markdown (or its first paragraph). */
export function summaryFromMarkdown(markdown: string): string {
  // `(?![\s\S])` is the end of input: under the `m` flag, `$` would stop at the first line end.
  const section = /^##\s*Summary\s*\n+([\s\S]*?)(?=\n#{1,6}\s|(?![\s\S]))/im.exec(markdown);
  const body = section?.[1] ?? markdown.replace(/^#{1,6}\s.*$/gm, "");
  const paragraph = body.trim().split(/\n\s*\n/)[0] ?? "";
  const plain = paragraph
    .replace(/[*_`>#]/g, "")
    .replace(/\s+/g, " ")
    .trim();
  return truncate(plain, SUMMARY_MAX_CHARS);
}

export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
