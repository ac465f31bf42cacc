/**
 * The quotable units of a passage and the terms they are matched by, for the offline answer
 * (`./local-answer.ts`). A unit is what a reader can be quoted as one claim: a table row (named
 * by its column headings), a list item (its wrapped continuation lines included, so an item
 * never ends mid-clause), or a sentence of prose. Sentences come from `Intl.Segmenter`, which
 * ends a sentence after any abbreviation ("Mgr. Petra Horáková"): a segment ending in a short
 * capitalised word and a full stop is joined to the next. The description the site puts at the
 * top of every page's markdown twin (`> …` under the title) describes the page, it is not a
 * claim of its own: it is left out. Pure and bounded by the caller's slices.
 */

/**
 * A segment ending in a title, an initial or a dotted abbreviation ("Mgr.", "Dr.", "J.", "Inc.",
 * "s.r.o.") does not end a sentence.
 */
const ABBREVIATION = /(?:^|[\s(*_.])(\p{Lu}\p{Ll}{0,2}|\p{L})\.[*_]*$/u;

export function segmentSentences(text: string, language: string): string[] {
  const locale = language === "und" ? "en" : language;
  const out: string[] = [];
  let carry = "";
  for (const s of new Intl.Segmenter(locale, { granularity: "sentence" }).segment(text)) {
    const raw = `${carry}${s.segment}`;
    const segment = raw.replace(/\s+/g, " ").trim();
    carry = "";
    if (segment.length === 0) continue;
    if (ABBREVIATION.test(segment)) {
      carry = raw;
      continue;
    }
    out.push(segment);
  }
  if (carry.trim()) out.push(carry.trim());
  return out;
}

const LIST_ITEM = /^([-*+]|\d+[.)])\s+/;

/**
 * One quotable unit: its text, and the words it is matched by with their weights. A table
 * row's first cell names the row ("Business"), so it counts double; the column headings it is
 * read with ("Price per month:") are the same in every row, so they count half.
 */
export interface Unit {
  text: string;
  words: readonly (readonly [string, number])[];
}

const plain = (text: string): Unit => ({ text, words: [[text, 1]] });

/**
 * The quotable units of a passage's markdown, in order. `opening` says the passage is a page's
 * opening, whose first block quote is the page's description. Table rows lose their pipes,
 * list items their bullets, quotes their `>`; separator rows, empty cells and fenced code
 * blocks are dropped.
 */
export function units(text: string, language: string, opening = false): Unit[] {
  const out: Unit[] = [];
  let prose: string[] = [];
  let item: string[] | null = null;
  const flush = () => {
    if (prose.length > 0) out.push(...segmentSentences(prose.join(" "), language).map(plain));
    if (item) out.push(...segmentSentences(item.join(" "), language).map(plain));
    prose = [];
    item = null;
  };
  // A table's header row, once its separator row confirms it: each later row reads "Plan: Team — Price: €149".
  let header: string[] | null = null;
  let previous: string[] | null = null;
  const cellsOf = (line: string) =>
    line
      .replace(/^\|/, "")
      .replace(/\|$/, "")
      .split("|")
      .map((c) => c.trim());
  let fenced = false;
  let first = true;
  let description = false;
  for (const raw of text.split("\n")) {
    // Code is not a claim to quote: fenced blocks are left out whole.
    if (/^\s*(```|~~~)/.test(raw)) {
      flush();
      fenced = !fenced;
      continue;
    }
    if (fenced) continue;
    const quoted = /^\s*>/.test(raw);
    const trimmed = raw.trim();
    if (first && trimmed !== "" && !/^#/.test(trimmed)) {
      first = false;
      description = opening && quoted;
    }
    if (description) {
      if (quoted) continue;
      description = false;
    }
    const line = trimmed.replace(/^>\s?/, "");
    if (line === "") {
      flush();
      header = previous = null;
      continue;
    }
    if (/^\|/.test(line)) {
      flush();
      if (/^\|[\s:|-]+\|?$/.test(line)) {
        // The row above was the header, not a fact of its own.
        if (previous && out.length > 0) out.pop();
        header = previous;
        continue;
      }
      const cells = cellsOf(line);
      previous = cells;
      const named = cells.map((c, i) => (header?.[i] && c ? `${header[i]}: ${c}` : c)).filter(Boolean);
      if (named.length > 0)
        out.push({
          text: named.join(" — "),
          words: [
            [cells.join(" "), 1],
            [cells[0] ?? "", 1],
            [(header ?? []).join(" "), 0.5],
          ],
        });
      continue;
    }
    header = previous = null;
    if (LIST_ITEM.test(line)) {
      flush();
      item = [line.replace(LIST_ITEM, "")];
      continue;
    }
    // A line under a list item continues it (indented or lazy, as markdown reads it).
    if (item) item.push(line);
    else prose.push(line);
  }
  flush();
  return out;
}

/**
 * Lower-cased content words, stop words out, English inflections (-s, -es, -ed, -ing) cut and
 * the rest cut to a five-letter prefix: a crude stemmer that also joins Czech word forms.
 */
export function terms(text: string, stop: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const w of new Intl.Segmenter("en", { granularity: "word" }).segment(text.toLowerCase())) {
    if (!w.isWordLike) continue;
    const word = w.segment;
    if (word.length < 2 || stop.has(word)) continue;
    const stem = word.replace(/(?:ing|ed|es|s)$/u, "");
    out.push(/^\d/.test(word) ? word : [...(stem.length >= 3 ? stem : word)].slice(0, 5).join(""));
  }
  return out;
}
