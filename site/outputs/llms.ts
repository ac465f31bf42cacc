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
export function llmsGroups(pages: PageRecord[]): LlmsGroup[] {
  const en = pages.filter((p) => p.locale === DEFAULT_LOCALE);
  return [
    ["Pages", en.filter((p) => !p.section).sort((a, b) => (a.order ?? 99) - (b.order ?? 99) || cmp(a.url, b.url))],
    ...[...new Set(en.map((p) => p.section).filter((x): x is string => Boolean(x)))]
      .sort()
      .map((sec): LlmsGroup => [STRINGS.en.sections[sec] ?? sec, en.filter((p) => p.section === sec).sort(byDateDesc)]),
    ...LOCALES.filter((l) => l !== DEFAULT_LOCALE).map(
      (l): LlmsGroup => [
        `Optional: ${l === "cs" ? "Čeština (Czech)" : l}`,
        pages.filter((p) => p.locale === l).sort((a, b) => cmp(a.url, b.url)),
      ],
    ),
  ];
}

/** Writes `llms.txt` with these sections. */
export function writeLlms(c: OutputContext, groups: LlmsGroup[]): void {
  const { baseUrl } = c;
  const entry = (p: PageRecord) => `- [${p.title.replace(/[[\]]/g, "")}](${baseUrl}${p.twin}): ${p.description}`;
  c.out.url(
    "/llms.txt",
    "llms.txt",
    `# StateX

> StateX takes a person's request (text today; voice notes and documents next) through an API, the web portal or email, runs it through an AI pipeline and delivers the result by email and other channels. This site documents the platform, how to send requests, pricing and articles; every page has a markdown twin at its URL plus \`index.md\`.

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
