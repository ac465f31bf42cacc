/**
 * The spam rules that read the message itself: links (density, shorteners, a shown address
 * that is not where the link goes, bare IP addresses), attachments that run code, shouting,
 * scam phrases, a language StateX does not work in, and a `Reply-To` elsewhere. Each rule is a
 * plain function of a `SpamInput` — the parsed message already cut to the scan limits
 * (`score.ts`) — returning its reason or null, so each is tested on its own. Every pass is
 * linear in that bounded input.
 */
import { detect } from "tinyld";
import { LOCALES } from "../../db/schema";
import { isIpHost, type Link, shownHost, siteOf } from "./links";
import {
  ACTIVE_DOCUMENT_EXTENSIONS,
  EXECUTABLE_EXTENSIONS,
  fold,
  MACRO_EXTENSIONS,
  scamPhrases,
  URL_SHORTENERS,
} from "./lists";

/** One reason a message looks like spam, with the points it adds. */
export interface SpamReason {
  rule: string;
  points: number;
  /** For the admin reading the quarantine: what was seen. */
  detail: string;
}

/** What the rules read of a message, cut to the scan limits. */
export interface SpamInput {
  subject: string;
  /** The message's whole text (or its HTML as text). */
  text: string;
  html: string;
  links: Link[];
  from: string | null;
  replyTo: string | null;
  attachments: { filename: string; mimeType: string }[];
  headers: { key: string; value: string }[];
}

/**
 * Points per rule: what each signal weighs against the threshold (`SPAM_THRESHOLD`, default 5).
 * No rule but the scam phrases gives more than 4, so at the default threshold it takes two
 * kinds of evidence to quarantine a message — one odd thing a real customer does is never
 * enough on its own — or three different scam phrases (a customer asking whether a phishing
 * mail is ours quotes one or two).
 */
export const POINTS = {
  linkDensity: 2,
  shortener: 2,
  mismatch: 3,
  ipLink: 2,
  executable: 4,
  macro: 3,
  activeDocument: 2,
  capsSubject: 1,
  capsBody: 2,
  phrase: 2,
  phraseMax: 6,
  language: 1,
  replyTo: 1,
} as const;

const reason = (rule: string, points: number, detail: string): SpamReason => ({ rule, points, detail });
const domainOf = (address: string | null) => (address ? (address.split("@")[1] ?? "") : "");

/** Many links and few words: at least 5 distinct links, fewer than 20 words for each. */
export function linkDensity(input: SpamInput): SpamReason | null {
  const distinct = new Set(input.links.map((l) => l.href)).size;
  if (distinct < 5) return null;
  let words = 0;
  for (const _ of input.text.matchAll(/\S+/g)) words++;
  return words < distinct * 20
    ? reason("link-density", POINTS.linkDensity, `${distinct} links in ${words} words`)
    : null;
}

/** A link through a URL shortener, which hides where it goes. */
export function shortener(input: SpamInput): SpamReason | null {
  const hit = input.links.find((l) => URL_SHORTENERS.has(l.host) || URL_SHORTENERS.has(l.host.replace(/^www\./, "")));
  return hit ? reason("url-shortener", POINTS.shortener, `link through ${hit.host}`) : null;
}

/**
 * A link whose text shows one site and whose href goes to another ("paypal.com" → evil.example).
 * A wrapper that carries the shown address in its own URL (Outlook Safe Links, a click
 * tracker) goes where it shows, so it is not counted.
 */
export function mismatchedLink(input: SpamInput): SpamReason | null {
  for (const link of input.links) {
    if (!link.shown || !link.host) continue;
    const shown = shownHost(link.shown);
    if (!shown || siteOf(shown) === siteOf(link.host)) continue;
    let decoded = link.href;
    try {
      decoded = decodeURIComponent(link.href);
    } catch {
      // a malformed escape: compare the href as written
    }
    if (decoded.toLowerCase().includes(shown)) continue;
    return reason("link-mismatch", POINTS.mismatch, `link shows ${shown} but goes to ${link.host}`);
  }
  return null;
}

/** A link to a bare IP address instead of a name. */
export function ipLink(input: SpamInput): SpamReason | null {
  const hit = input.links.find((l) => l.host && isIpHost(l.host));
  return hit ? reason("ip-link", POINTS.ipLink, `link to the address ${hit.host}`) : null;
}

const EXECUTABLE_TYPES =
  /^application\/(x-msdownload|x-msdos-program|x-ms-installer|x-dosexec|x-sh|x-bat|hta|javascript|x-javascript|vbscript|java-archive)$/;

/** Attachments that run code: programs and scripts (4), macro documents (3), HTML or SVG pages (2). */
export function riskyAttachment(input: SpamInput): SpamReason | null {
  let worst: SpamReason | null = null;
  for (const a of input.attachments) {
    const ext = (/\.([a-z0-9]{1,8})\s*$/i.exec(a.filename)?.[1] ?? "").toLowerCase();
    const found =
      EXECUTABLE_EXTENSIONS.has(ext) || EXECUTABLE_TYPES.test(a.mimeType)
        ? reason("executable-attachment", POINTS.executable, `attachment ${a.filename.slice(0, 80)} runs code`)
        : MACRO_EXTENSIONS.has(ext)
          ? reason("macro-attachment", POINTS.macro, `attachment ${a.filename.slice(0, 80)} can carry macros`)
          : ACTIVE_DOCUMENT_EXTENSIONS.has(ext)
            ? reason("active-attachment", POINTS.activeDocument, `attachment ${a.filename.slice(0, 80)} is a web page`)
            : null;
    if (found && (!worst || found.points > worst.points)) worst = found;
  }
  return worst;
}

/** The share of capital letters among the letters of `text`, and how many letters it has. */
export function capitals(text: string): { letters: number; share: number } {
  let letters = 0;
  let upper = 0;
  for (const ch of text) {
    if (!/\p{L}/u.test(ch)) continue;
    letters++;
    if (ch !== ch.toLowerCase()) upper++;
  }
  return { letters, share: letters ? upper / letters : 0 };
}

/** A shouted subject (10 letters or more, 80 % capitals) and a shouted body (60 or more, 60 %). */
export function allCaps(input: SpamInput): SpamReason[] {
  const out: SpamReason[] = [];
  const subject = capitals(input.subject);
  if (subject.letters >= 10 && subject.share >= 0.8) {
    out.push(reason("all-caps", POINTS.capsSubject, "subject in capitals"));
  }
  const body = capitals(input.text);
  if (body.letters >= 60 && body.share >= 0.6) {
    out.push(reason("all-caps", POINTS.capsBody, `${Math.round(body.share * 100)} % of the text in capitals`));
  }
  return out;
}

/** Known scam phrases in the subject and text: 2 points each, at most 6. */
export function scamPhrase(input: SpamInput, extra?: string): SpamReason | null {
  const haystack = fold(`${input.subject}\n${input.text}`);
  const hits = scamPhrases(extra).filter((p) => haystack.includes(p));
  if (hits.length === 0) return null;
  return reason(
    "scam-phrase",
    Math.min(POINTS.phrase * hits.length, POINTS.phraseMax),
    `scam phrases: ${hits
      .slice(0, 3)
      .map((h) => `"${h}"`)
      .join(", ")}${hits.length > 3 ? ` and ${hits.length - 3} more` : ""}`,
  );
}

/** Characters the language detector reads, and how much text it needs to be believed. */
const LANGUAGE_CHARS = 2000;
const LANGUAGE_MIN_LETTERS = 100;

/** A message in none of the languages StateX works in (`LOCALES`). */
export function languageMismatch(input: SpamInput): SpamReason | null {
  const sample = input.text.slice(0, LANGUAGE_CHARS);
  if (capitals(sample).letters < LANGUAGE_MIN_LETTERS) return null;
  const lang = detect(sample);
  if (!lang || (LOCALES as readonly string[]).includes(lang)) return null;
  return reason("language", POINTS.language, `written in ${lang}, not in ${LOCALES.join(" or ")}`);
}

/** Replies asked to another domain than the sender's (invoice and CEO fraud). */
export function replyElsewhere(input: SpamInput): SpamReason | null {
  const from = domainOf(input.from);
  const to = domainOf(input.replyTo);
  if (!from || !to || siteOf(from) === siteOf(to)) return null;
  return reason("reply-to", POINTS.replyTo, `replies go to ${to}, not ${from}`);
}
