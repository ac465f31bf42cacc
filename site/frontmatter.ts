/**
 * Front matter: a flat YAML subset parsed by hand, then validated by a zod schema.
 *
 * A full YAML parser costs more per page than marked does on a short page, and pages only need
 * flat keys: strings (bare, "double" or 'single' quoted), numbers, booleans, dates and lists
 * (`[a, b]` or `- item` lines). Anything else is an error with its line, not a silent guess.
 */
import { createRequire } from "node:module";
import type * as Zod from "zod";
import { LOCALES } from "./config.ts";

/** A front matter or content error, located in its file. */
export class ContentError extends Error {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
  constructor(file: string, line: number, reason: string) {
    super(`${file}:${line}: ${reason}`);
    this.name = "ContentError";
    this.file = file;
    this.line = line;
    this.reason = reason;
  }
}

/**
 * What a page may declare. Unknown keys are errors, so a typo does not pass silently.
 *
 * zod is loaded on first use, with `require`, so that a build whose front matter all takes
 * the fast path (`quickFrontMatter`) never loads it: it is most of the renderer bundle
 * (750 of 900 KB) and about 25 ms of each rendering thread's start-up.
 */
function makeSchema() {
  const { z } = createRequire(import.meta.url)("zod") as typeof Zod;
  const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: "must be a date written YYYY-MM-DD" });
  return z
    .object({
      title: z.string({ error: "title is required" }).trim().min(1, { error: "title must not be empty" }).max(160),
      description: z
        .string({ error: "description is required" })
        .trim()
        .min(1, { error: "description must not be empty" })
        .max(320, { error: "description must be at most 320 characters" }),
      date: isoDate.optional(),
      updated: isoDate.optional(),
      tags: z
        .array(z.string().regex(/^[\p{Ll}\p{N}][\p{Ll}\p{N}-]*$/u, { error: "tags are lower-case words joined by -" }))
        .default([]),
      locale: z.enum(LOCALES, { error: `locale must be one of ${LOCALES.join(", ")}` }).optional(),
      draft: z.boolean({ error: "draft must be true or false" }).default(false),
      order: z.number({ error: "order must be a number" }).int().optional(),
      slug: z
        .string()
        .regex(/^[a-z0-9][a-z0-9-]*$/, { error: "slug is lower-case letters, digits and -" })
        .optional(),
    })
    .strict();
}

let schema: ReturnType<typeof makeSchema> | undefined;

/** The front matter schema (zod), loaded on first use. */
export const frontMatterSchema = () => {
  schema ??= makeSchema();
  return schema;
};

export type FrontMatter = Zod.infer<ReturnType<typeof makeSchema>>;

type Scalar = string | number | boolean | null;
type Value = Scalar | Scalar[];

function scalar(raw: string, file: string, line: number): Scalar {
  const s = raw.trim();
  if (s === "") return null;
  if (s.startsWith('"') || s.startsWith("'")) {
    const q = s[0] as string;
    // Find the closing quote ('' is an escaped quote in single-quoted strings, \" in double).
    let end = -1;
    for (let i = 1; i < s.length; i++) {
      if (q === '"' && s[i] === "\\") i++;
      else if (s[i] === q) {
        if (q === "'" && s[i + 1] === "'") i++;
        else {
          end = i;
          break;
        }
      }
    }
    if (end === -1) throw new ContentError(file, line, `unterminated ${q === '"' ? "double" : "single"}-quoted string`);
    if (!/^\s*(#.*)?$/.test(s.slice(end + 1)))
      throw new ContentError(file, line, "unexpected text after a quoted string");
    const quoted = s.slice(0, end + 1);
    if (q === "'") return quoted.slice(1, -1).replace(/''/g, "'");
    try {
      return JSON.parse(quoted) as string;
    } catch {
      throw new ContentError(file, line, "invalid escape in double-quoted string");
    }
  }
  if (s === "true") return true;
  if (s === "false") return false;
  if (s === "null" || s === "~") return null;
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  if (/^[|>]/.test(s)) throw new ContentError(file, line, "multi-line strings are not supported; write one line");
  if (s.startsWith("{")) throw new ContentError(file, line, "nested maps are not supported");
  // A bare scalar ends at a comment.
  const hash = s.search(/\s#/);
  return hash === -1 ? s : s.slice(0, hash).trimEnd();
}

function flowList(raw: string, file: string, line: number): Scalar[] {
  const inner = raw.trim().slice(1, -1).trim();
  if (inner === "") return [];
  const items: string[] = [];
  let current = "";
  let quote = "";
  for (const ch of inner) {
    if (quote) {
      current += ch;
      if (ch === quote) quote = "";
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current += ch;
    } else if (ch === ",") {
      items.push(current);
      current = "";
    } else current += ch;
  }
  if (quote) throw new ContentError(file, line, "unterminated string in list");
  items.push(current);
  return items.map((item) => scalar(item, file, line));
}

export interface ParsedSource {
  /** Raw front matter values, before validation. */
  data: Record<string, Value>;
  /** 1-based line of each key, for error messages. */
  lines: Record<string, number>;
  /** The markdown after the closing `---`. */
  body: string;
  /** 1-based line where the body starts. */
  bodyLine: number;
}

/** Splits a source file into raw front matter and body (a file without front matter is an error here). */
export function parseSource(source: string, file: string): ParsedSource {
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  if (!text.startsWith("---")) throw new ContentError(file, 1, "missing front matter (the file must start with ---)");
  const firstBreak = text.indexOf("\n");
  if (firstBreak === -1 || text.slice(0, firstBreak).trim() !== "---") {
    throw new ContentError(file, 1, "the first line must be exactly ---");
  }
  const data: Record<string, Value> = {};
  const lines: Record<string, number> = {};
  let pos = firstBreak + 1;
  let lineNo = 2;
  let listKey: string | null = null;
  for (;;) {
    if (pos >= text.length) throw new ContentError(file, lineNo, "front matter is not closed by ---");
    let end = text.indexOf("\n", pos);
    if (end === -1) end = text.length;
    const line = text.charCodeAt(end - 1) === 13 ? text.slice(pos, end - 1) : text.slice(pos, end);
    pos = end + 1;
    // Most lines are `key: value`: a letter first, which none of the other cases start with.
    const first = line.charCodeAt(0);
    const keyLike = (first >= 97 && first <= 122) || (first >= 65 && first <= 90);
    if (!keyLike) {
      if (line.trim() === "---") break;
      if (line.trim() === "" || line.trimStart().startsWith("#")) {
        lineNo++;
        continue;
      }
    }
    const here = lineNo++;
    const item = keyLike ? null : (/^\s+-\s*(.*)$/.exec(line) ?? /^-\s+(.*)$/.exec(line));
    if (item) {
      const list = listKey === null ? undefined : data[listKey];
      if (listKey === null || !Array.isArray(list)) throw new ContentError(file, here, "list item outside a list");
      list.push(scalar(item[1] ?? "", file, here));
      continue;
    }
    if (!keyLike && /^\s/.test(line))
      throw new ContentError(file, here, "unexpected indentation (nested values are not supported)");
    const m = /^([A-Za-z_][\w-]*)\s*:(?:\s+(.*))?$/.exec(line);
    if (!m) throw new ContentError(file, here, `expected "key: value", found ${JSON.stringify(line.slice(0, 40))}`);
    const key = m[1] as string;
    const raw = (m[2] ?? "").trim();
    if (key in data) throw new ContentError(file, here, `duplicate key ${key}`);
    lines[key] = here;
    if (raw === "") {
      // Either an empty value or the start of a block list.
      data[key] = [];
      listKey = key;
      continue;
    }
    listKey = null;
    data[key] = raw.startsWith("[") && raw.endsWith("]") ? flowList(raw, file, here) : scalar(raw, file, here);
  }
  // An empty block list that never got items is an empty value.
  for (const [k, v] of Object.entries(data)) if (Array.isArray(v) && v.length === 0 && k !== "tags") data[k] = null;
  for (const [k, v] of Object.entries(data)) if (v === null) delete data[k];
  return { data, lines, body: text.slice(Math.min(pos, text.length)), bodyLine: lineNo + 1 };
}

/** "date: must be a date…", but not "title: title is required". */
const withKey = (key: string | null, message: string) =>
  key === null || message.startsWith(key) ? message : `${key}: ${message}`;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TAG = /^[\p{Ll}\p{N}][\p{Ll}\p{N}-]*$/u;
const SLUG = /^[a-z0-9][a-z0-9-]*$/;
/** The schema's keys, in its order (a test holds this list to the schema). */
export const FRONT_MATTER_KEYS = [
  "title",
  "description",
  "date",
  "updated",
  "tags",
  "locale",
  "draft",
  "order",
  "slug",
] as const;
const KEYS = new Set<string>(FRONT_MATTER_KEYS);

/**
 * The schema's answer for front matter that plainly satisfies it, without running zod (which
 * costs more per page than the rest of the front matter): the same checks and the same output
 * (trimmed title and description, defaults, keys in schema order). Anything it is not sure of
 * — every invalid page, any odd value — returns null, and zod decides and words the error, so
 * the schema stays the one authority. A test holds the two to the same answers.
 */
export function quickFrontMatter(data: Record<string, Value>): FrontMatter | null {
  for (const k in data) if (!KEYS.has(k)) return null;
  const { title, description, date, updated, tags, locale, draft, order, slug } = data;
  if (typeof title !== "string" || typeof description !== "string") return null;
  const t = title.trim();
  const d = description.trim();
  if (t.length < 1 || t.length > 160 || d.length < 1 || d.length > 320) return null;
  const out: Record<string, unknown> = { title: t, description: d };
  if (date !== undefined) {
    if (typeof date !== "string" || !DATE.test(date)) return null;
    out.date = date;
  }
  if (updated !== undefined) {
    if (typeof updated !== "string" || !DATE.test(updated)) return null;
    out.updated = updated;
  }
  if (tags === undefined) out.tags = [];
  else {
    if (!Array.isArray(tags)) return null;
    for (const tag of tags) if (typeof tag !== "string" || !TAG.test(tag)) return null;
    out.tags = tags;
  }
  if (locale !== undefined) {
    if (!(LOCALES as readonly unknown[]).includes(locale)) return null;
    out.locale = locale;
  }
  if (draft === undefined) out.draft = false;
  else if (typeof draft === "boolean") out.draft = draft;
  else return null;
  if (order !== undefined) {
    if (typeof order !== "number" || !Number.isSafeInteger(order)) return null;
    out.order = order;
  }
  if (slug !== undefined) {
    if (typeof slug !== "string" || !SLUG.test(slug)) return null;
    out.slug = slug;
  }
  return out as FrontMatter;
}

/** Parses and validates; every problem is a `ContentError` naming the file, line and reason. */
export function parseFrontMatter(
  source: string,
  file: string,
): { meta: FrontMatter | null; body: string; bodyLine: number } {
  // No front matter: a plain markdown page, whose metadata the caller derives (derive.ts).
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source;
  if (!text.startsWith("---")) return { meta: null, body: text, bodyLine: 1 };
  const parsed = parseSource(source, file);
  const quick = quickFrontMatter(parsed.data);
  if (quick) return { meta: quick, body: parsed.body, bodyLine: parsed.bodyLine };
  const result = frontMatterSchema().safeParse(parsed.data);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = issue?.code === "unrecognized_keys" ? issue.keys[0] : issue?.path[0];
    const line = typeof key === "string" ? (parsed.lines[key] ?? 1) : 1;
    const reason =
      issue?.code === "unrecognized_keys"
        ? `unknown front matter key ${issue.keys.join(", ")}`
        : withKey(typeof key === "string" ? key : null, issue?.message ?? "invalid front matter");
    throw new ContentError(file, line, reason);
  }
  return { meta: result.data, body: parsed.body, bodyLine: parsed.bodyLine };
}
