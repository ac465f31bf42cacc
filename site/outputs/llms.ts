/**
 * `llms.txt` (llmstxt.org): a title, a summary, then sections of links to the markdown twins —
 * the default locale's pages, its sections, then the other locales as optional sections. The
 * same sections, in the same order, make `llms-full.txt` (`llms-full.ts`).
 */
import { DEFAULT_LOCALE, LOCALES, STRINGS } from "../config.ts";
import { byDateDesc, cmp } from "../order.ts";
import type { PageRecord } from "../page.ts";
import type { OutputContext } from "./output.ts";

/** A section of `llms.txt`: its name and its pages, in order. */
export type LlmsGroup = [name: string, pages: PageRecord[]];

/** The sections of `llms.txt` (some may be empty). */
export function llmsGroups(pages: PageRecord[], labels: Record<string, string> = {}): LlmsGroup[] {
  const en = pages.filter((p) => p.locale === DEFAULT_LOCALE);
  return [
    ["Pages", en.filter((p) => !p.section).sort((a, b) => (a.order ?? 99) - (b.order ?? 99) || cmp(a.url, b.url))],
    ...[...new Set(en.map((p) => p.section).filter((x): x is string => Boolean(x)))]
      .sort()
      .map(
        (sec): LlmsGroup => [
          labels[sec] ?? STRINGS.en.sections[sec] ?? sec,
          en.filter((p) => p.section === sec).sort(byDateDesc),
        ],
      ),
    ...LOCALES.filter((l) => l !== DEFAULT_LOCALE).map(
      (l): LlmsGroup => [
        `Optional: ${l === "cs" ? "Čeština (Czech)" : l}`,
        pages.filter((p) => p.locale === l).sort((a, b) => cmp(a.url, b.url)),
      ],
    ),
  ];
}

/** Writes `llms.txt` with these sections. */
export function writeLlms(c: OutputContext, groups: LlmsGroup[], pages: PageRecord[]): void {
  const { baseUrl } = c;
  // The summary is the home page's description: the company's own words, not ours.
  const home = pages.find((p) => p.locale === DEFAULT_LOCALE && p.url === "/");
  const summary = (home?.description ?? STRINGS.en.tagline).replace(/\s+/g, " ");
  const entry = (p: PageRecord) => `- [${p.title.replace(/[[\]]/g, "")}](${baseUrl}${p.twin}): ${p.description}`;
  c.out.url(
    "/llms.txt",
    "llms.txt",
    `# ${STRINGS.en.siteName}

> ${summary} Every page has a markdown twin at its URL plus \`index.md\`.

The HTTP API is described by an OpenAPI 3.1 document at ${baseUrl}/openapi.json; errors are RFC 9457 problem documents. ${baseUrl}/llms-full.txt holds every page's markdown in one file.

## API

- [OpenAPI document](${baseUrl}/openapi.json): every endpoint of the StateX API, generated from its schemas.

${groups
  .filter(([, list]) => list.length > 0)
  .map(([name, list]) => `## ${name}\n\n${list.map(entry).join("\n")}`)
  .join("\n\n")}
`,
  );
}
