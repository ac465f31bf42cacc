/**
 * The contract between the site build and the Worker's content ingest: the build (Node, no D1
 * access) writes `/_content/build.json` (`BuildInfo`: which build this is) and
 * `/_content/manifest.json` (`Manifest`: every published page's slug, metadata and content
 * hash) into the static assets, and the Worker validates them with these schemas when it
 * ingests a build into D1. The build imports the types only, so it never loads zod for them.
 */
import { z } from "zod";

/** `/_content/build.json`: the few bytes the Worker reads on each content request. */
export const BuildInfo = z.object({ buildId: z.string().min(1), revision: z.string() });
export type BuildInfo = z.infer<typeof BuildInfo>;

/** One published page of a build. */
export const ManifestPage = z.object({
  locale: z.string(),
  slug: z.string(),
  url: z.string(),
  /** The page's markdown twin (`<url>index.md`), which the ingest fetches. */
  twin: z.string(),
  section: z.string().nullable(),
  title: z.string(),
  description: z.string(),
  date: z.string().nullable(),
  tags: z.array(z.string()),
  /** sha256 of the source file: a page whose hash D1 already has is not fetched again. */
  hash: z.string(),
});
export type ManifestPage = z.infer<typeof ManifestPage>;

/** `/_content/manifest.json`: the build's pages, sorted by locale and slug. */
export const Manifest = z.object({
  version: z.literal(1),
  buildId: z.string(),
  revision: z.string(),
  builtAt: z.string(),
  pages: z.array(ManifestPage),
});
export type Manifest = z.infer<typeof Manifest>;
