/** What a provider analyses: the request text of one submission. */
export interface AnalysisInput {
  submissionId: string;
  text: string;
}

/** A provider's analysis, ready to store: a markdown document and a plain-text summary. */
export interface Analysis {
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
}

/** The one interface the pipeline's `analyse` step calls. */
export interface AiProvider {
  readonly name: ProviderName;
  analyse(input: AnalysisInput, options?: AnalyseOptions): Promise<Analysis>;
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

/** Instructions shared by the language-model providers, so their documents look alike. */
export const ANALYSIS_SYSTEM_PROMPT = [
  "You analyse a request a person sent to StateX and write the result as GitHub-flavoured markdown.",
  "Reply in the language of the request. Use exactly these sections:",
  "## Summary — two or three sentences.",
  "## Key points — a bulleted list of at most six points.",
  "## Suggested next steps — a bulleted list, or 'None.'",
  "Do not include any HTML, scripts, links you were not given, or a top-level heading.",
].join("\n");

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
