/**
 * The answer with a language model, grounded in our site: the request and the retrieved
 * passages (each under its id) go into the prompt, cut to a character budget rather than sent
 * whole; the model answers with the `StructuredAnalysis` JSON, citing passage ids. An answer
 * that does not validate is re-asked once, then refused; citations of passages that were not
 * given are dropped; an answer that cites nothing although passages were given is re-asked
 * once with a note, then accepted as it is. With no passages the model's answer is dropped:
 * the document then says the site does not cover the request (`./document.ts`).
 */
import type { RetrievedPassage } from "../retrieval/types";
import { citedPassages, composeDocument, keepKnownCitations } from "./document";
import { detectLanguage } from "./local";
import {
  type Analysis,
  type AnalysisInput,
  ProviderError,
  type ProviderName,
  StructuredAnalysis,
  SUMMARY_MAX_CHARS,
  truncate,
  type Usage,
} from "./provider";

/** The prompt's character budget for the request and the passages together. */
export const PROMPT_CHARS = 24_000;
/** At most this much of the request goes in; the passages get the rest of the budget. */
export const REQUEST_CHARS = 12_000;
/** At most this many passages, each cut to `PASSAGE_CHARS`. */
export const PROMPT_PASSAGES = 8;
export const PASSAGE_CHARS = 1_500;

/** Instructions shared by the language-model providers, so their answers look alike. */
export const ANALYSIS_SYSTEM_PROMPT = [
  "You answer a request a person sent to StateX, using only the passages of StateX's own site given to you.",
  "Reply with one JSON object and nothing else, written in the language of the request:",
  '{"summary": string (two or three sentences about the request),',
  '"answer": [{"question": string (the question or need of the request), "text": string (the answer), "citations": string[] (ids of the passages the text rests on)}],',
  '"understood": string[] (what the person needs), "proposals": [{"text": string (a matching service or next action), "citations": string[]}],',
  '"questions": string[] (what is missing to proceed, asked of the person)}.',
  "Answer each question or need of the request. Every claim must cite the ids of the passages it comes from;",
  "say nothing the passages do not say. If they do not cover something, say so in that answer and cite nothing.",
  "Use plain text in every string: no HTML, no scripts, no links.",
].join("\n");

/** The follow-up sent once when a model's answer does not validate. */
export function reaskPrompt(issues: string): string {
  return `Your answer was not valid (${issues.slice(0, 400)}). Reply again with only the JSON object described, nothing else.`;
}

/** The follow-up sent once when an answer cites no passage although passages were given. */
export const CITE_NOTE =
  "Your answer cites no passage. Answer again from the passages given, citing their ids in each claim's citations; reply with only the JSON object.";

/** The user message: the request and the passages with their ids, within `PROMPT_CHARS`. */
export function groundedPrompt(text: string, passages: readonly RetrievedPassage[], notices: readonly string[] = []) {
  const request = truncate(text, REQUEST_CHARS);
  let budget = PROMPT_CHARS - request.length;
  const blocks: string[] = [];
  for (const p of passages.slice(0, PROMPT_PASSAGES)) {
    const head = `[passage id="${p.id}"] ${p.title}${p.section ? ` — ${p.section}` : ""}\n`;
    const room = Math.min(PASSAGE_CHARS, budget - head.length);
    if (room < 200) break;
    const block = `${head}${truncate(p.text.replace(/\s+/g, " ").trim(), room)}`;
    blocks.push(block);
    budget -= block.length;
  }
  const sent = passages.slice(0, blocks.length);
  const parts = [`## The request\n\n${request}`];
  if (notices.length > 0) parts.push(`## Notes about the request\n\n${notices.map((n) => `- ${n}`).join("\n")}`);
  parts.push(
    blocks.length > 0
      ? `## Passages of our site\n\n${blocks.join("\n\n")}`
      : "## Passages of our site\n\nNone were found: the answer must be empty.",
  );
  return { content: parts.join("\n\n"), sent };
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

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

const citesAnything = (s: StructuredAnalysis) =>
  [...s.answer, ...s.proposals].some((claim) => claim.citations.length > 0);

/**
 * Asks a chat model for the grounded structure. An invalid answer is re-asked once with its
 * issues (a second is a permanent failure: the same model given the same request is unlikely
 * to do better later); a valid one citing nothing while passages were given is re-asked once
 * with `CITE_NOTE`, and the next valid answer is taken as it is.
 */
export async function askStructured(
  provider: ProviderName,
  chat: (messages: ChatMessage[]) => Promise<{ content: string; usage?: Usage }>,
  input: AnalysisInput,
): Promise<{ structured: StructuredAnalysis; sent: RetrievedPassage[]; usage: Usage }> {
  const { content, sent } = groundedPrompt(input.text, input.passages ?? [], input.notices);
  const ids = new Set(sent.map((p) => p.id));
  const messages: ChatMessage[] = [
    { role: "system", content: ANALYSIS_SYSTEM_PROMPT },
    { role: "user", content },
  ];
  const usage: Usage = {};
  let invalid = 0;
  let noted = false;
  for (;;) {
    const answer = await chat(messages);
    addUsage(usage, answer.usage);
    const parsed = parseStructured(answer.content);
    if (!parsed.ok) {
      if (++invalid === 2) {
        throw new ProviderError(provider, "The AI service returned an analysis in the wrong shape twice.", false);
      }
      messages.push(
        { role: "assistant", content: answer.content },
        { role: "user", content: reaskPrompt(parsed.issues) },
      );
      continue;
    }
    const structured = keepKnownCitations(parsed.value, ids);
    if (sent.length === 0) return { structured: { ...structured, answer: [] }, sent, usage };
    if (citesAnything(structured) || noted) return { structured, sent, usage };
    noted = true;
    messages.push({ role: "assistant", content: answer.content }, { role: "user", content: CITE_NOTE });
  }
}

function addUsage(into: Usage, from: Usage | undefined): void {
  if (!from) return;
  if (from.inputTokens !== undefined) into.inputTokens = (into.inputTokens ?? 0) + from.inputTokens;
  if (from.outputTokens !== undefined) into.outputTokens = (into.outputTokens ?? 0) + from.outputTokens;
}

/** A model's grounded structure made into an `Analysis`, its document from `./document.ts`. */
export function modelAnalysis(
  input: AnalysisInput,
  result: { structured: StructuredAnalysis; sent: RetrievedPassage[]; usage: Usage },
  meta: { provider: Exclude<ProviderName, "local">; model: string; label: string },
): Analysis {
  const notices = input.notices ?? [];
  const cited = citedPassages(result.structured, result.sent);
  return {
    structured: result.structured,
    cited,
    notices,
    label: meta.label,
    usage: result.usage,
    markdown: composeDocument({ structured: result.structured, passages: cited, label: meta.label, notices }).markdown,
    summary: truncate(result.structured.summary.replace(/\s+/g, " "), SUMMARY_MAX_CHARS),
    language: detectLanguage(input.text),
    provider: meta.provider,
    model: meta.model,
  };
}
