/**
 * `_headers`, the cache policy for hosts that read it (Pages, Workers static assets):
 * fingerprinted assets are immutable; everything else revalidates with its ETag. (The Worker
 * sets the same headers itself when it serves the site: `workers/api/content/site.ts`.)
 */
import type { OutputContext } from "./output.ts";

/** Writes `_headers`. */
export function writeHeaders(c: OutputContext): void {
  c.out.file(
    "_headers",
    `/*
  Cache-Control: public, max-age=0, must-revalidate
  X-Content-Type-Options: nosniff
/assets/*
  ! Cache-Control
  Cache-Control: public, max-age=31536000, immutable
`,
  );
}
