/**
 * `npm run eval:spam`: how well the spam scorer separates spam from real mail, over the
 * labelled set `test/fixtures/spam/` (`ham-*.eml`, `spam-*.eml`: newsletters, phishing,
 * invoice scams, real customer requests with links and attachments, in English and Czech).
 *
 * Each message is parsed by the Worker's own parser (shared/mail/parse.ts) and scored by the
 * Worker's own scorer (shared/mail/spam/score.ts), bundled with esbuild for Node as
 * `wrangler deploy` would bundle them, at the configured threshold: `SPAM_THRESHOLD` from the
 * environment, else from wrangler.toml's `[vars]`. Sender history is empty (no D1 here): the
 * figures are what the message alone earns, the harder case. Prints, per class, precision and
 * recall, then every misjudged message with its score and reasons (every message with
 * `EVAL_VERBOSE=1`).
 *
 * Targets (issue 19): no ham quarantined and at least 0.8 of the spam caught (recall of
 * "spam"); below them the exit code is 1. The issue calls the first "precision of ham 1.0";
 * what it asks — no ham judged spam — is the precision of "spam" (and the recall of "ham")
 * being 1.0, which is what is checked; all four figures are printed.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "../..");
const dir = path.join(root, "test/fixtures/spam");
const TARGET_SPAM_RECALL = 0.8;

interface Reason {
  rule: string;
  points: number;
  detail: string;
}
interface Scorer {
  parseMail(raw: Uint8Array): Promise<unknown>;
  scoreMail(mail: unknown, options: { threshold: number }): { score: number; reasons: Reason[]; spam: boolean };
}

/** The threshold in force: the environment's, else the first `SPAM_THRESHOLD` of wrangler.toml. */
function configuredThreshold(): number {
  const fromEnv = Number(process.env.SPAM_THRESHOLD);
  if (Number.isFinite(fromEnv) && fromEnv > 0) return fromEnv;
  const toml = readFileSync(path.join(root, "wrangler.toml"), "utf8");
  const value = Number(/^SPAM_THRESHOLD\s*=\s*"([^"]*)"/m.exec(toml)?.[1]);
  return Number.isFinite(value) && value > 0 ? value : 5;
}

async function loadScorer(): Promise<Scorer> {
  const out = await build({
    stdin: {
      contents: `export { parseMail } from "./shared/mail/parse.ts";\nexport { scoreMail } from "./shared/mail/spam/score.ts";\n`,
      resolveDir: root,
      loader: "ts",
    },
    bundle: true,
    platform: "node",
    format: "esm",
    write: false,
    logLevel: "error",
  });
  const tmp = mkdtempSync(path.join(tmpdir(), "eval-spam-"));
  const file = path.join(tmp, "scorer.mjs");
  writeFileSync(file, out.outputFiles[0]?.text ?? "");
  try {
    return (await import(pathToFileURL(file).href)) as Scorer;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);
const fmt = (n: number) => n.toFixed(2);

const scorer = await loadScorer();
const threshold = configuredThreshold();
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".eml"))
  .sort();
const judged: { file: string; label: string; predicted: string; score: number; reasons: Reason[] }[] = [];
for (const file of files) {
  const label = file.startsWith("spam-") ? "spam" : file.startsWith("ham-") ? "ham" : null;
  if (!label) throw new Error(`${file}: a fixture's name starts with ham- or spam-`);
  const mail = await scorer.parseMail(new Uint8Array(readFileSync(path.join(dir, file))));
  const verdict = scorer.scoreMail(mail, { threshold });
  judged.push({ file, label, ...verdict, predicted: verdict.spam ? "spam" : "ham" });
}

console.log(`eval:spam — ${files.length} messages, threshold ${threshold} (sender history empty)\n`);
console.log("class  messages  precision  recall");
const results: Record<string, { precision: number; recall: number }> = {};
for (const cls of ["ham", "spam"]) {
  const actual = judged.filter((j) => j.label === cls).length;
  const predicted = judged.filter((j) => j.predicted === cls).length;
  const right = judged.filter((j) => j.label === cls && j.predicted === cls).length;
  results[cls] = { precision: ratio(right, predicted), recall: ratio(right, actual) };
  console.log(
    `${cls.padEnd(5)}  ${String(actual).padStart(8)}  ${fmt(ratio(right, predicted)).padStart(9)}  ${fmt(ratio(right, actual)).padStart(6)}`,
  );
}
const wrong = judged.filter((j) => j.label !== j.predicted || process.env.EVAL_VERBOSE);
console.log(`\n${process.env.EVAL_VERBOSE ? "every message" : "misjudged"} (${wrong.length}):`);
for (const j of wrong) {
  const why = j.reasons.map((r) => `${r.rule} +${r.points} (${r.detail})`).join("; ") || "no rule fired";
  console.log(`  ${j.file}: ${j.label} scored ${j.score} — ${why}`);
}
const scores = (cls: string) =>
  judged
    .filter((j) => j.label === cls)
    .map((j) => j.score)
    .sort((a, b) => a - b);
console.log(`\nham scores:  ${scores("ham").join(" ")}`);
console.log(`spam scores: ${scores("spam").join(" ")}`);

const hamQuarantined = judged.filter((j) => j.label === "ham" && j.predicted === "spam").length;
const ok = hamQuarantined === 0 && (results.spam?.recall ?? 0) >= TARGET_SPAM_RECALL;
console.log(
  `\ntargets: no ham quarantined (${hamQuarantined}), spam recall ≥ ${TARGET_SPAM_RECALL} (${fmt(results.spam?.recall ?? 0)}): ${ok ? "met" : "NOT met"}`,
);
process.exitCode = ok ? 0 : 1;
