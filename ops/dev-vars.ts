/**
 * `npm run dev` set-up: makes sure `.dev.vars` (git-ignored) holds a `SIGNING_KEY`, so signed
 * links (review, unsubscribe, email confirmation, reply threading) work locally without anyone
 * copying a secret by hand. An existing key is never replaced: links already sent stay valid.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const file = path.resolve(import.meta.dirname, "..", ".dev.vars");
const current = existsSync(file) ? readFileSync(file, "utf8") : "";
if (/^SIGNING_KEY=\S+/m.test(current)) {
  console.log(".dev.vars: SIGNING_KEY present");
} else {
  const line = `# Written by ops/dev-vars.ts for local development only.\nSIGNING_KEY=${randomBytes(32).toString("hex")}\n`;
  writeFileSync(file, current && !current.endsWith("\n") ? `${current}\n${line}` : current + line, { mode: 0o600 });
  console.log(".dev.vars: wrote a random SIGNING_KEY for local development");
}
