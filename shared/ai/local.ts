import * as stopwords from "stopword";
import { detect, toISO3 } from "tinyld";
import { citedPassages, composeDocument } from "./document";
import { localStructure } from "./local-answer";
import {
  type AiProvider,
  type Analysis,
  type AnalysisInput,
  type AudioInput,
  type Embeddings,
  SUMMARY_MAX_CHARS,
  type Transcript,
  truncate,
} from "./provider";

/** Stop-word lists by ISO 639-3 code, from the `stopword` package. */
const STOPWORDS: Record<string, readonly string[] | undefined> = stopwords as unknown as Record<
  string,
  readonly string[] | undefined
>;

const WORDS_PER_MINUTE = 200;
const KEY_POINTS = 5;
const KEYWORDS = 8;

interface Sentence {
  text: string;
  index: number;
  score: number;
}

/** The request's language (ISO 639-1), or `und` when the text is too short or unknown. */
export function detectLanguage(text: string): string {
  const code = text.trim().length < 12 ? "" : detect(text);
  return code || "und";
}

function segment(text: string, language: string, granularity: "sentence" | "word"): Intl.SegmentData[] {
  const locale = language === "und" ? "en" : language;
  return [...new Intl.Segmenter(locale, { granularity }).segment(text)];
}

/**
 * Extractive analysis with no language model: sentences and words from `Intl.Segmenter`,
 * language from `tinyld` (its normal profile set: the light one has no Czech), stop words from `stopword`, and sentences ranked by the frequency of
 * the content words they hold (Luhn's method) with a small bonus for opening sentences.
 * Deterministic: the same text always gives the same document.
 */
export function analyseText(text: string): Pick<Analysis, "markdown" | "summary" | "language"> & {
  stats: { words: number; sentences: number; characters: number; readingMinutes: number };
  keywords: { term: string; count: number }[];
  keyPoints: string[];
} {
  const normalised = text.replace(/\r\n?/g, "\n").trim();
  const language = detectLanguage(normalised);
  const stop = new Set(STOPWORDS[toISO3(language) ?? ""] ?? STOPWORDS.eng ?? []);

  const words = segment(normalised, language, "word").filter((s) => s.isWordLike);
  const counts = new Map<string, number>();
  for (const w of words) {
    const term = w.segment.toLocaleLowerCase(language === "und" ? "en" : language);
    if (term.length < 3 || stop.has(term) || /^\d+$/.test(term)) continue;
    counts.set(term, (counts.get(term) ?? 0) + 1);
  }

  const sentences: Sentence[] = segment(normalised, language, "sentence")
    .map((s) => s.segment.replace(/\s+/g, " ").trim())
    .filter((s) => s.length > 0)
    .map((s, index) => {
      const terms = segment(s, language, "word")
        .filter((w) => w.isWordLike)
        .map((w) => w.segment.toLocaleLowerCase(language === "und" ? "en" : language));
      const weight = terms.reduce((sum, t) => sum + (counts.get(t) ?? 0), 0);
      const positionBonus = index === 0 ? 1.25 : index === 1 ? 1.1 : 1;
      return { text: s, index, score: (weight / Math.sqrt(Math.max(terms.length, 1))) * positionBonus };
    });

  const ranked = [...sentences].sort((a, b) => b.score - a.score || a.index - b.index);
  const summaryCount = sentences.length <= 3 ? Math.min(sentences.length, 2) : 3;
  const summarySentences = ranked.slice(0, summaryCount).sort((a, b) => a.index - b.index);
  const chosen = new Set(summarySentences.map((s) => s.index));
  const keyPoints = ranked
    .filter((s) => !chosen.has(s.index) && s.score > 0)
    .slice(0, KEY_POINTS)
    .sort((a, b) => a.index - b.index)
    .map((s) => truncate(s.text, 280));

  const keywords = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, KEYWORDS)
    .map(([term, count]) => ({ term, count }));

  const stats = {
    words: words.length,
    sentences: sentences.length,
    characters: normalised.length,
    readingMinutes: Math.max(1, Math.round(words.length / WORDS_PER_MINUTE)),
  };
  const summary = truncate(summarySentences.map((s) => s.text).join(" "), SUMMARY_MAX_CHARS);
  const markdown = renderMarkdown({ summary, keyPoints, keywords, stats, language });
  return { markdown, summary, language, stats, keywords, keyPoints };
}

function renderMarkdown(a: {
  summary: string;
  keyPoints: string[];
  keywords: { term: string; count: number }[];
  stats: { words: number; sentences: number; characters: number; readingMinutes: number };
  language: string;
}): string {
  const lines = [
    "# Analysis",
    "",
    "> Produced offline by StateX's local analyser, without a language model: the summary and key",
    "> points are sentences quoted from your request, ranked by how many of its main terms they hold.",
    "",
    "## Summary",
    "",
    a.summary || "_The request has no sentences to summarise._",
    "",
    "## Key points",
    "",
    ...(a.keyPoints.length > 0 ? a.keyPoints.map((p) => `- ${p}`) : ["_Nothing beyond the summary._"]),
    "",
    "## Keywords",
    "",
    a.keywords.length > 0 ? a.keywords.map((k) => `${k.term} (${k.count})`).join(", ") : "_None found._",
    "",
    "## Statistics",
    "",
    "| Language | Words | Sentences | Characters | Reading time |",
    "| --- | --- | --- | --- | --- |",
    `| ${a.language} | ${a.stats.words} | ${a.stats.sentences} | ${a.stats.characters} | ${a.stats.readingMinutes} min |`,
    "",
  ];
  return lines.join("\n");
}

const LOCAL_LABEL =
  "Produced offline by StateX's local analyser, without a language model: the answer quotes the passages of our site that share the most terms with each of your questions.";

/** The default provider in development and tests: offline, deterministic, free. */
export class LocalProvider implements AiProvider {
  readonly name = "local" as const;

  /**
   * The extractive summary of the request, and the offline answer from the passages
   * (`./local-answer.ts`), composed into the result document (`./document.ts`).
   */
  async analyse(input: AnalysisInput): Promise<Analysis> {
    const { summary, language } = analyseText(input.text);
    const structured = localStructure({ ...input, summary, language });
    const cited = citedPassages(structured, input.passages ?? []);
    const notices = input.notices ?? [];
    const { markdown } = composeDocument({ structured, passages: cited, label: LOCAL_LABEL, notices });
    return {
      markdown,
      summary: summary || structured.summary,
      language,
      structured,
      cited,
      notices,
      label: LOCAL_LABEL,
      usage: {},
      provider: this.name,
      model: "statex-extractive-v1",
    };
  }

  /**
   * Lexical vectors by feature hashing: lower-cased words (stop words kept out) hashed into
   * `LOCAL_EMBEDDING_DIMS` buckets, L2-normalised. Texts sharing words score close; synonyms do
   * not — a stand-in for a semantic model, so offline search works at all.
   */
  async embed(texts: string[]): Promise<Embeddings> {
    return { vectors: texts.map(hashEmbedding), provider: this.name, model: `hashing-${LOCAL_EMBEDDING_DIMS}` };
  }

  /** No speech engine runs offline: an honest marker instead of a made-up transcript. */
  async transcribe(audio: AudioInput): Promise<Transcript> {
    return {
      text: `[No transcription offline: the audio "${audio.name}" (${audio.bytes.byteLength} bytes) was not transcribed. Configure Workers AI or an OpenAI-compatible provider to transcribe audio.]`,
      transcribed: false,
      provider: this.name,
      model: "none",
    };
  }
}

export const LOCAL_EMBEDDING_DIMS = 256;

function hashEmbedding(text: string): number[] {
  const language = detectLanguage(text);
  const stop = new Set(STOPWORDS[toISO3(language) ?? ""] ?? STOPWORDS.eng ?? []);
  const vector = new Array<number>(LOCAL_EMBEDDING_DIMS).fill(0);
  for (const w of segment(text, language, "word")) {
    if (!w.isWordLike) continue;
    const term = w.segment.toLocaleLowerCase();
    if (stop.has(term)) continue;
    // FNV-1a: small, fast, well spread.
    let h = 0x811c9dc5;
    for (let i = 0; i < term.length; i++) h = Math.imul(h ^ term.charCodeAt(i), 0x01000193);
    const bucket = (h >>> 0) % LOCAL_EMBEDDING_DIMS;
    vector[bucket] = (vector[bucket] ?? 0) + 1;
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((v) => v / norm);
}
