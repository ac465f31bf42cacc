/**
 * The platform's own pages, which do not depend on the company's content folder: the sources
 * in `site/platform/` (laid out as `content/` is: `problems/index.md` → `/problems/`, the
 * RFC 9457 problem types the API links to) are built with every site, so replacing
 * `content/` wholesale keeps them. A content file at the same path takes the page's place.
 */
import path from "node:path";
import { siteDir } from "./bundle.ts";
import { listSources } from "./plan.ts";

/** Where the platform's pages are. */
export const platformDir = path.join(siteDir, "platform");

/** The content's sources and the platform's not shadowed by one, sorted; which are the platform's. */
export async function withPlatform(
  contentSources: string[],
  dir = platformDir,
): Promise<{ sources: string[]; platform: Set<string> }> {
  const own = new Set(contentSources);
  const platform = new Set((await listSources(dir).catch(() => [])).filter((f) => !own.has(f)));
  return { sources: [...contentSources, ...platform].sort(), platform };
}

/** The folder a source is read from: the platform's or the content's. */
export const sourceRoot = (file: string, contentDir: string, platform: ReadonlySet<string>, dir = platformDir) =>
  platform.has(file) ? dir : contentDir;
