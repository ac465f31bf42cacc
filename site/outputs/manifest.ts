/**
 * What the Worker ingests into D1 (the contract: `shared/site/manifest.ts`):
 * `_content/manifest.json`, every published page's metadata and source hash sorted by locale
 * and slug, and `_content/build.json`, the few bytes the Worker reads on each content request to
 * see whether this build is ingested. The build id is a hash of the pages' identities and
 * hashes, so a build that changes nothing keeps its id.
 */
import { hash } from "node:crypto";
import path from "node:path";
import type { BuildInfo, Manifest } from "../../shared/site/manifest.ts";
import { cmp } from "../order.ts";
import type { PageRecord } from "../page.ts";
import type { OutputContext } from "./output.ts";

/** Writes the manifest and the build info of `pages` (the published ones) and returns the manifest. */
export function writeManifest(c: OutputContext, pages: PageRecord[], revision: string): Manifest {
  const manifestPages = [...pages]
    .sort((a, b) => cmp(a.locale, b.locale) || cmp(a.slug, b.slug))
    .map((p) => ({
      locale: p.locale,
      slug: p.slug,
      url: p.url,
      twin: p.twin,
      section: p.section,
      title: p.title,
      description: p.description,
      date: p.date ?? null,
      tags: p.tags,
      hash: p.hash,
    }));
  const identities = manifestPages.map((p) => `${p.locale} ${p.slug} ${p.url} ${p.hash}`).join("\n");
  const manifest: Manifest = {
    version: 1,
    buildId: hash("sha256", identities, "hex").slice(0, 32),
    revision,
    builtAt: new Date().toISOString(),
    pages: manifestPages,
  };
  c.out.file(path.join("_content", "manifest.json"), JSON.stringify(manifest));
  c.out.file(
    path.join("_content", "build.json"),
    JSON.stringify({ buildId: manifest.buildId, revision } satisfies BuildInfo),
  );
  return manifest;
}
