/**
 * `npm run dev` set-up: makes sure `.dev.vars` (git-ignored) holds a real `SIGNING_KEY`, so
 * signed links (review, unsubscribe, email confirmation, reply threading) work locally without
 * anyone copying a secret by hand, and are not forgeable by anyone who has read the example.
 *
 * A key someone set is never replaced (links already sent stay valid), but a placeholder is
 * not a key: `change-me` from `.dev.vars.example`, or anything under 32 characters, is
 * replaced in place by a random one. Other lines copied unchanged from the example
 * (`TWILIO_AUTH_TOKEN=...`) would switch a channel on with fake credentials, so they are
 * commented out, with a note.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

/** A signing key shorter than this is a placeholder or a guessable word. */
export const MIN_SIGNING_KEY_CHARS = 32;

const line = /^([A-Z][A-Z0-9_]*)=(.*)$/;

/** `NAME=value` pairs of a `.dev.vars`-style file (comments and blanks skipped). */
function pairs(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of text.split("\n")) {
    const m = line.exec(l.trim());
    if (m?.[1] && m[2] !== undefined) out.set(m[1], m[2].trim());
  }
  return out;
}

/**
 * The `.dev.vars` text to write, from the current one and the example; `changes` says what
 * was done, for the console. Pure, so the rules are tested without touching files.
 */
export function ensureDevVars(
  current: string,
  example: string,
  newKey: () => string = () => randomBytes(32).toString("hex"),
): { text: string; changes: string[] } {
  const placeholders = pairs(example);
  const changes: string[] = [];
  let hasKey = false;
  const lines = current.split("\n").map((l) => {
    const m = line.exec(l.trim());
    if (!m?.[1]) return l;
    const [, name, raw = ""] = m;
    const value = raw.trim();
    if (name === "SIGNING_KEY") {
      if (value.length >= MIN_SIGNING_KEY_CHARS && value !== placeholders.get(name)) {
        hasKey = true;
        return l;
      }
      hasKey = true;
      changes.push("replaced a placeholder SIGNING_KEY with a random one");
      return `SIGNING_KEY=${newKey()}`;
    }
    if (placeholders.has(name) && placeholders.get(name) === value) {
      changes.push(`commented out ${name} (the example's placeholder, not a real value)`);
      return `# ${name}=${raw}  # placeholder from .dev.vars.example: set a real value to use it`;
    }
    return l;
  });
  let text = lines.join("\n");
  if (!hasKey) {
    const add = `# Written by ops/dev-vars.ts for local development only.\nSIGNING_KEY=${newKey()}\n`;
    text = text && !text.endsWith("\n") ? `${text}\n${add}` : text + add;
    changes.push("wrote a random SIGNING_KEY for local development");
  }
  return { text, changes };
}

if (import.meta.main) {
  const root = path.resolve(import.meta.dirname, "..");
  const file = path.join(root, ".dev.vars");
  const current = existsSync(file) ? readFileSync(file, "utf8") : "";
  const example = readFileSync(path.join(root, ".dev.vars.example"), "utf8");
  const { text, changes } = ensureDevVars(current, example);
  if (changes.length === 0) console.log(".dev.vars: SIGNING_KEY present");
  else {
    writeFileSync(file, text, { mode: 0o600 });
    for (const change of changes) console.log(`.dev.vars: ${change}`);
  }
}
