/**
 * What the build checks across pages once they are rendered: slugs used twice in a locale,
 * articles without a date (a warning), and internal links that lead nowhere — reported with
 * the file and line, without failing the build (`BuildResult.errors` and `warnings`; broken
 * links are warnings unless the build is `strict`).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { WORKER_PATHS } from "./config.ts";
import type { PageRecord } from "./page.ts";
import { lineOfLink } from "./paths.ts";

/** A problem with a source file: where, and what. */
export interface BuildIssue {
  file: string;
  line: number;
  reason: string;
}

/** Pages whose slug an earlier page of their locale already has (`pages` in source order). */
export function duplicateSlugs(pages: PageRecord[]): BuildIssue[] {
  const issues: BuildIssue[] = [];
  const seen = new Map<string, string>();
  for (const p of pages) {
    const key = `${p.locale}:${p.slug}`;
    const other = seen.get(key);
    if (other) issues.push({ file: p.file, line: 1, reason: `slug ${p.slug} is already used by ${other}` });
    seen.set(key, p.file);
  }
  return issues;
}

/** Articles without a date (they are left out of feeds and sort last). */
export function undatedArticles(pages: PageRecord[]): BuildIssue[] {
  const warnings: BuildIssue[] = [];
  for (const p of pages) {
    if (p.section === "articles" && !p.date) warnings.push({ file: p.file, line: 1, reason: "article without a date" });
  }
  return warnings;
}

/** Internal links that lead nowhere, with the file and line that wrote them. */
export function brokenLinks(
  pages: PageRecord[],
  generated: Set<string>,
  rootOf: (file: string) => string,
): BuildIssue[] {
  const known = new Set<string>(generated);
  for (const p of pages) {
    known.add(p.url);
    known.add(p.twin);
  }
  const issues: BuildIssue[] = [];
  for (const p of pages) {
    for (const href of p.links) {
      if (known.has(href)) continue;
      const target = href.replace(/[?#].*$/, "");
      if (target === "" || WORKER_PATHS.some((re) => re.test(target))) continue;
      if (target.startsWith("/assets/")) continue;
      const decoded = decodeURI(target);
      if (known.has(decoded) || known.has(`${decoded}/`) || known.has(target)) continue;
      const line = lineOfLink(readFileSync(path.join(rootOf(p.file), p.file), "utf8"), href);
      issues.push({ file: p.file, line, reason: `broken internal link ${href}` });
    }
  }
  return issues;
}
