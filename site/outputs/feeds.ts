/**
 * Each locale's feeds: Atom (`atom.xml`) and RSS 2.0 (`rss.xml`) at its home, with its 20
 * latest dated pages, newest first.
 */
import path from "node:path";
import { escapeHtml as xml } from "../../shared/html.ts";
import { type Locale, STRINGS } from "../config.ts";
import { byDateDesc } from "../order.ts";
import type { PageRecord } from "../page.ts";
import { homeOf } from "../templates.ts";
import type { OutputContext } from "./output.ts";

/** Writes one locale's Atom and RSS feeds (`mine`: its published pages). */
export function writeFeeds(c: OutputContext, locale: Locale, mine: PageRecord[]): void {
  const s = STRINGS[locale];
  const home = homeOf(locale);
  const recent = mine
    .filter((p) => p.date)
    .sort(byDateDesc)
    .slice(0, 20);
  const updated = recent[0]?.updated ?? recent[0]?.date ?? "1970-01-01";
  const abs = (u: string) => c.baseUrl + u;
  c.out.url(
    `${home}atom.xml`,
    path.join(home, "atom.xml"),
    `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${locale}">
<title>${xml(s.siteName)}</title>
<subtitle>${xml(s.tagline)}</subtitle>
<id>${xml(abs(home))}</id>
<link rel="alternate" href="${xml(abs(home))}"/>
<link rel="self" href="${xml(abs(`${home}atom.xml`))}"/>
<updated>${updated}T00:00:00Z</updated>
${recent
  .map(
    (p) => `<entry>
<title>${xml(p.title)}</title>
<id>${xml(abs(p.url))}</id>
<link rel="alternate" href="${xml(abs(p.url))}"/>
<updated>${p.updated ?? p.date}T00:00:00Z</updated>
<published>${p.date}T00:00:00Z</published>
<author><name>${xml(s.siteName)}</name></author>
<summary>${xml(p.description)}</summary>
${p.tags.map((t) => `<category term="${xml(t)}"/>`).join("")}
</entry>`,
  )
  .join("\n")}
</feed>
`,
  );
  c.out.url(
    `${home}rss.xml`,
    path.join(home, "rss.xml"),
    `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>${xml(s.siteName)}</title>
<link>${xml(abs(home))}</link>
<description>${xml(s.tagline)}</description>
<language>${locale}</language>
<atom:link href="${xml(abs(`${home}rss.xml`))}" rel="self" type="application/rss+xml"/>
${recent
  .map(
    (p) => `<item>
<title>${xml(p.title)}</title>
<link>${xml(abs(p.url))}</link>
<guid isPermaLink="true">${xml(abs(p.url))}</guid>
<pubDate>${new Date(`${p.date}T00:00:00Z`).toUTCString()}</pubDate>
<description>${xml(p.description)}</description>
</item>`,
  )
  .join("\n")}
</channel>
</rss>
`,
  );
}
