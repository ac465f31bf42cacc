/**
 * The result document, rendered in one place for every provider: `## Answer` (each claim
 * followed by its citation `[n]`), `## What we understood`, `## What we propose`,
 * `## Questions for you` and `## Sources` (numbered: title, section, absolute link). Citations
 * are numbered in the order the document first uses them; a citation of a passage the
 * analysis was not given is dropped here too, so no `[n]` ever points nowhere. An empty answer
 * (the providers empty it when no passage was given, so a model cannot answer from thin air)
 * says plainly that the site does not cover the request; with nothing cited, Sources is left
 * out. Links inside quoted claims are made absolute under the site's origin (`absoluteLinks`),
 * so they work in mail.
 */
import type { Source } from "../retrieval/types";
import type { CitedClaim, CitedPassage, StructuredAnalysis } from "./provider";

/** What the Answer says when no passage grounds it. */
export const NOT_COVERED = "Our site does not cover this; a person will answer.";

export interface DocumentParts {
  structured: StructuredAnalysis;
  /** The passages citations may name; any other id is dropped. */
  passages: readonly CitedPassage[];
  /** The provenance line under the title. */
  label: string;
  /** Lines shown once, as notices, under the provenance line. */
  notices?: readonly string[];
  /** The site's public origin (`PUBLIC_BASE_URL`); empty keeps the links site-relative. */
  baseUrl?: string;
}

/**
 * One line of model or request text, safe inside a list item: no line breaks, no fake `[n]`
 * (a `[3]` that opens a link, `[3](/x)`, is the link's label, not a citation).
 */
function clean(text: string): string {
  return text
    .replace(/\[\d{1,3}\](?!\()/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** Text inside a markdown link's label: brackets escaped so a title cannot end the link. */
function linkLabel(text: string): string {
  return clean(text).replace(/([\\[\]])/g, "\\$1");
}

/**
 * The absolute URL of a site-relative passage URL, or null when the passage's URL is not
 * site-relative (`//host/…`, `javascript:` …): such a source is listed without a link.
 */
export function absoluteUrl(url: string, baseUrl: string | undefined): string | null {
  if (!/^\/(?!\/)[^\s()<>]*$/.test(url)) return null;
  return `${(baseUrl ?? "").replace(/\/+$/, "")}${url}`;
}

/** A markdown link or image `[label](url "title")`, or a reference link `[label][ref]`. */
const LINK =
  /(!?)\[([^\]\n]{0,300})\]\(\s*((?:[^()\s]|\([^()\s]{0,200}\)){0,2000})(?:\s+"[^"\n]{0,300}")?\s*\)|\[([^\]\n]{0,300})\]\[[^\]\n]{0,100}\]/g;

/**
 * The links of a quoted sentence made to work where the answer is read — in mail, with no page
 * to be relative to: a site-relative link (`[pricing](/pricing/)`) becomes absolute under the
 * site's origin, an `http(s)` or `mailto` link stays, and any other (a reference link whose
 * definition was not quoted, an image, a `javascript:` URL) is reduced to its label, so the
 * sentence still reads "start with web development" rather than losing its object. Without
 * `baseUrl`, site-relative links stay as they are.
 */
export function absoluteLinks(text: string, baseUrl: string | undefined): string {
  return text.replace(LINK, (whole, image: string, label: string | undefined, url: string, refLabel?: string) => {
    if (refLabel !== undefined) return refLabel;
    const shown = (label ?? "").trim();
    if (image || !shown) return shown;
    if (/^\/(?!\/)/.test(url)) {
      if (!baseUrl) return whole;
      const absolute = absoluteUrl(url, baseUrl);
      return absolute ? `[${shown}](${absolute})` : shown;
    }
    return /^(https?:\/\/|mailto:)/i.test(url) ? `[${shown}](${url})` : shown;
  });
}

/** The sources of a structure: its cited passages, numbered in order of first citation. */
export function sourcesOf(
  structured: StructuredAnalysis,
  passages: readonly CitedPassage[],
  baseUrl?: string,
): { sources: Source[]; number: Map<string, number> } {
  const byId = new Map(passages.map((p) => [p.id, p]));
  const number = new Map<string, number>();
  const sources: Source[] = [];
  for (const claim of [...structured.answer, ...structured.proposals]) {
    for (const id of claim.citations) {
      const passage = byId.get(id);
      if (!passage || number.has(id)) continue;
      number.set(id, sources.length + 1);
      sources.push({
        n: sources.length + 1,
        title: passage.title,
        section: passage.section,
        url: absoluteUrl(passage.url, baseUrl) ?? "",
        locale: passage.locale,
        score: passage.score,
      });
    }
  }
  return { sources, number };
}

/** The passages a structure cites, in citation order (what an `Analysis` keeps). */
export function citedPassages(structured: StructuredAnalysis, passages: readonly CitedPassage[]): CitedPassage[] {
  const byId = new Map(passages.map((p) => [p.id, p]));
  const { number } = sourcesOf(structured, passages);
  return [...number.keys()].flatMap((id) => {
    const p = byId.get(id);
    return p ? [{ id: p.id, locale: p.locale, title: p.title, section: p.section, url: p.url, score: p.score }] : [];
  });
}

/** Drops every citation of a passage not given, and repeated ones. */
export function keepKnownCitations(structured: StructuredAnalysis, ids: ReadonlySet<string>): StructuredAnalysis {
  const keep = (claim: CitedClaim): CitedClaim => ({
    ...claim,
    citations: [...new Set(claim.citations.filter((id) => ids.has(id)))],
  });
  return { ...structured, answer: structured.answer.map(keep), proposals: structured.proposals.map(keep) };
}

function claimLine(claim: CitedClaim, number: Map<string, number>, baseUrl?: string): string {
  const marks = claim.citations.flatMap((id) => {
    const n = number.get(id);
    return n === undefined ? [] : [`[${n}]`];
  });
  return `- ${absoluteLinks(clean(claim.text), baseUrl)}${marks.length > 0 ? ` ${marks.join("")}` : ""}`;
}

function answerLines(answer: readonly CitedClaim[], number: Map<string, number>, baseUrl?: string): string[] {
  if (answer.length === 0) return [NOT_COVERED];
  const lines: string[] = [];
  let question: string | undefined;
  for (const claim of answer) {
    if (claim.question !== undefined && claim.question !== question) {
      if (lines.length > 0) lines.push("");
      lines.push(`**${clean(claim.question).replace(/\*/g, "")}**`, "");
    }
    question = claim.question;
    lines.push(claimLine(claim, number, baseUrl));
  }
  return lines;
}

const bullets = (items: readonly string[], none: string) =>
  items.length > 0 ? items.map((i) => `- ${clean(i)}`) : [none];

/** The result document and its sources. */
export function composeDocument(parts: DocumentParts): { markdown: string; sources: Source[] } {
  const { structured, passages, label, notices = [], baseUrl } = parts;
  const { sources, number } = sourcesOf(structured, passages, baseUrl);
  const proposals = structured.proposals.map((p) => claimLine(p, number, baseUrl));
  const lines = [
    "# Analysis",
    "",
    `> ${clean(label)}`,
    "",
    ...notices.flatMap((n) => [`> ${clean(n)}`, ""]),
    "## Answer",
    "",
    ...answerLines(structured.answer, number, baseUrl),
    "",
    "## What we understood",
    "",
    ...bullets(structured.understood, clean(structured.summary)),
    "",
    "## What we propose",
    "",
    ...(proposals.length > 0 ? proposals : ["_A person from our team will follow up with a proposal._"]),
    "",
    "## Questions for you",
    "",
    ...bullets(structured.questions, "_None: we have what we need to proceed._"),
    "",
  ];
  if (sources.length > 0) {
    lines.push("## Sources", "");
    for (const s of sources) {
      const name = linkLabel(s.section ? `${s.title} — ${s.section}` : s.title);
      lines.push(s.url ? `${s.n}. [${name}](${s.url})` : `${s.n}. ${name}`);
    }
    lines.push("");
  }
  return { markdown: lines.join("\n"), sources };
}
