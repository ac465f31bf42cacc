import { z } from "zod";

/** What a provider analyses: the request text of one submission. */
export interface AnalysisInput {
  submissionId: string;
  text: string;
}

/**
 * The validated structure every provider's analysis must have. Language models are asked for
 * exactly this JSON; an answer that does not parse is re-asked once, then refused.
 */
export const StructuredAnalysis = z.object({
  summary: z.string().trim().min(1).max(2000),
  requirements: z.array(z.string().trim().min(1).max(1000)).max(30),
  openQuestions: z.array(z.string().trim().min(1).max(1000)).max(30),
  nextSteps: z.array(z.string().trim().min(1).max(1000)).max(30),
});
export type StructuredAnalysis = z.infer<typeof StructuredAnalysis>;

/** What one provider call cost: recorded per call in D1 (`ai_usage`). */
export interface Usage {
  inputTokens?: number;
  outputTokens?: number;
  /** Seconds of audio, for transcription. */
  audioSeconds?: number;
}

/** A provider's analysis, ready to store: a markdown document and a plain-text summary. */
export interface Analysis {
  /** The validated structure the document was composed from. */
  structured: StructuredAnalysis;
  usage?: Usage;
  /** The full result document (markdown). */
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

/** Instructions shared by the language-model providers, so their answers look alike. */
export const ANALYSIS_SYSTEM_PROMPT = [
  "You analyse a request a person sent to StateX.",
  "Reply with one JSON object and nothing else, written in the language of the request:",
  '{"summary": string (two or three sentences), "requirements": string[] (what the person needs),',
  '"openQuestions": string[] (what is unclear and should be asked), "nextSteps": string[] (suggested next steps)}.',
  "Use plain text in every string: no HTML, no scripts, no links you were not given.",
].join("\n");

/** The follow-up sent once when a model's answer does not validate. */
export function reaskPrompt(issues: string): string {
  return `Your answer was not valid (${issues.slice(0, 400)}). Reply again with only the JSON object described, nothing else.`;
}

/**
 * Parses a model's answer into the structure: tolerates a fenced code block around the JSON,
 * nothing else. Returns the issues in words when it does not validate.
 */
export function parseStructured(
  content: string,
): { ok: true; value: StructuredAnalysis } | { ok: false; issues: string } {
  const unfenced = content
    .trim()
    .replace(/^```(?:json)?\s*/i, "")
    .replace(/\s*```$/, "");
  let json: unknown;
  try {
    json = JSON.parse(unfenced);
  } catch {
    return { ok: false, issues: "the answer is not JSON" };
  }
  const parsed = StructuredAnalysis.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((i) => `${i.path.join(".") || "answer"}: ${i.message}`).join("; "),
  };
}

/**
 * Asks a chat model for the structure, re-asking once with the validation issues when the
 * first answer does not validate. A second invalid answer is a permanent failure: the same
 * model given the same request is unlikely to do better on a later attempt.
 */
export async function askStructured(
  provider: ProviderName,
  chat: (messages: ChatMessage[]) => Promise<{ content: string; usage?: Usage }>,
  text: string,
): Promise<{ structured: StructuredAnalysis; usage: Usage }> {
  const messages: ChatMessage[] = [
    { role: "system", content: ANALYSIS_SYSTEM_PROMPT },
    { role: "user", content: text },
  ];
  const usage: Usage = {};
  for (let ask = 1; ask <= 2; ask++) {
    const answer = await chat(messages);
    addUsage(usage, answer.usage);
    const parsed = parseStructured(answer.content);
    if (parsed.ok) return { structured: parsed.value, usage };
    messages.push(
      { role: "assistant", content: answer.content },
      { role: "user", content: reaskPrompt(parsed.issues) },
    );
    if (ask === 2) {
      throw new ProviderError(provider, "The AI service returned an analysis in the wrong shape twice.", false);
    }
  }
  throw new Error("unreachable");
}

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

function addUsage(into: Usage, from: Usage | undefined): void {
  if (!from) return;
  if (from.inputTokens !== undefined) into.inputTokens = (into.inputTokens ?? 0) + from.inputTokens;
  if (from.outputTokens !== undefined) into.outputTokens = (into.outputTokens ?? 0) + from.outputTokens;
}

const bullets = (items: string[], none: string) =>
  items.length > 0 ? items.map((i) => `- ${i.replace(/\s+/g, " ")}`) : [none];

/** The markdown sections of a structured analysis (the report's body). */
export function renderStructured(a: StructuredAnalysis): string {
  return [
    "## Summary",
    "",
    a.summary,
    "",
    "## Requirements",
    "",
    ...bullets(a.requirements, "_None stated._"),
    "",
    "## Open questions",
    "",
    ...bullets(a.openQuestions, "_None._"),
    "",
    "## Suggested next steps",
    "",
    ...bullets(a.nextSteps, "_None._"),
    "",
  ].join("\n");
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

/** The document a language-model provider returns, under our heading and provenance line. */
export function modelDocument(label: string, body: string): string {
  return `# Analysis\n\n> ${label}\n\n${body.trim()}\n`;
}
