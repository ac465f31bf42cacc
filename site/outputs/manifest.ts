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

/** Each page's manifest entry, as JSON, kept per record object (a warm `--watch` build encodes only its new pages). */
const entries = new WeakMap<PageRecord, { identity: string; json: string }>();
function entryOf(p: PageRecord): { identity: string; json: string } {
  let e = entries.get(p);
  if (e === undefined) {
    const page: Manifest["pages"][number] = {
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
    };
    e = { identity: `${p.locale} ${p.slug} ${p.url} ${p.hash}`, json: JSON.stringify(page) };
    entries.set(p, e);
  }
  return e;
}

/**
 * Writes the manifest and the build info of `pages` (the published ones) and returns the build
 * id. The manifest is the JSON of a `Manifest` (`JSON.stringify`'s output, key for key), put
 * together from its pages' entries.
 */
export function writeManifest(c: OutputContext, pages: PageRecord[], revision: string): Pick<Manifest, "buildId"> {
  const sorted = [...pages].sort((a, b) => cmp(a.locale, b.locale) || cmp(a.slug, b.slug)).map(entryOf);
  const identities = sorted.map((e) => e.identity).join("\n");
  const buildId = hash("sha256", identities, "hex").slice(0, 32);
  const head: Omit<Manifest, "pages"> = { version: 1, buildId, revision, builtAt: new Date().toISOString() };
  c.out.file(
    path.join("_content", "manifest.json"),
    `${JSON.stringify(head).slice(0, -1)},"pages":[${sorted.map((e) => e.json).join(",")}]}`,
  );
  c.out.file(path.join("_content", "build.json"), JSON.stringify({ buildId, revision } satisfies BuildInfo));
  return { buildId };
}
