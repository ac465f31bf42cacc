/**
 * `npm run eval:answers`: how well the pipeline answers customers from the company's own
 * pages, over the question set `test/eval/answers.json` (each request with the page(s) it
 * should cite and the facts the answer should carry, in both locales).
 *
 * The Worker is bundled as `wrangler deploy` bundles it and run by Miniflare (workerd) with
 * wrangler.toml's bindings and the built site as its assets (`npm run site:build` first, which
 * the npm script does), so retrieval reads the same passages production would. Each request is
 * posted to `/v1/submissions`, followed to its end, and scored:
 *
 * - **hit@1 / hit@3**: an expected page is the first / among the first three cited sources
 *   (a source's URL without its `#section` anchor);
 * - **fact recall**: the share of expected facts found in the Answer (the document's first
 *   section), compared case-folded with white space normalised;
 * - **no-match**: for requests the site cannot answer (`pages: []`), that nothing is cited;
 * - **time**: accepted → completed, from the submission's own times.
 *
 * The offline provider always runs. With `EVAL_AI_BASE_URL` (and optionally `EVAL_AI_MODEL`,
 * `EVAL_AI_API_KEY`) a second pass runs the OpenAI-compatible provider against that server.
 * `EVAL_QUESTIONS` names another question file.
 * Offline targets (issue 17): hit@3 ≥ 0.9 and fact recall ≥ 0.8; below them the exit code is 1.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { bundleWorker, localWorker, migrate, root } from "./local-worker.ts";

interface Question {
  id: string;
  locale: string;
  request: string;
  expect: { pages: string[]; facts: string[] };
}

interface Scored {
  id: string;
  locale: string;
  status: string;
  cited: string[];
  hit1: boolean;
  hit3: boolean;
  factsFound: number;
  factsExpected: number;
  noMatchOk: boolean | null;
  ms: number | null;
}

const TARGET_HIT3 = 0.9;
const TARGET_RECALL = 0.8;
const CONCURRENCY = Number(process.env.EVAL_CONCURRENCY ?? 4);
const TIMEOUT_MS = Number(process.env.EVAL_TIMEOUT_MS ?? 5 * 60_000);
const questionsPath = process.env.EVAL_QUESTIONS ?? path.join(root, "test", "eval", "answers.json");
const outdir = path.join(root, ".wrangler", "bench");

const questions = JSON.parse(readFileSync(questionsPath, "utf8")) as Question[];
const KEY = `sx_eval_${"k".repeat(40)}`;

/** Case-folded, with every kind of space (NBSP, thin spaces) as one ASCII space. */
const fold = (s: string) =>
  s
    .normalize("NFC")
    .toLowerCase()
    .replace(/[\s\u00a0\u2000-\u200b\u202f]+/g, " ")
    .trim();

/** The document's first `##` section: the Answer. */
function answerOf(markdown: string): string {
  const sections = markdown.split(/^## /m);
  return sections[1] ?? "";
}

/** The page a source's URL is on: its path, without the `#section` anchor. */
const pageOf = (url: string) => new URL(url, "http://x").pathname;

async function runPass(label: string, bindings: Record<string, string>) {
  const mf = localWorker(bundleWorker(path.join(outdir, `eval-${label}`)), { assets: true, bindings });
  try {
    const url = await mf.ready;
    const d1 = await migrate(mf);
    const now = Date.now();
    await d1
      .prepare(
        "INSERT INTO users (id, email, name, role, email_verified_at, created_at, updated_at) VALUES ('usr_eval', 'eval@bench.example', '', 'user', ?, ?, ?)",
      )
      .bind(now, now, now)
      .run();
    await d1
      .prepare(
        "INSERT INTO api_keys (id, user_id, name, prefix, key_hash, scopes, created_at) VALUES ('key_eval', 'usr_eval', 'eval', ?, ?, 'submissions:read submissions:write', ?)",
      )
      .bind(KEY.slice(0, 11), createHash("sha256").update(KEY).digest("hex"), now)
      .run();
    const auth = { authorization: `Bearer ${KEY}` };
    // The first content request ingests the build being served (pages and passages).
    await (await fetch(new URL("/v1/content?limit=1", url), { headers: auth })).arrayBuffer();

    const scored: Scored[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < questions.length) {
          const q = questions[next++] as Question;
          scored.push(await ask(url, auth, q));
          process.stderr.write(`\r${label}: ${scored.length}/${questions.length}`);
        }
      }),
    );
    process.stderr.write("\n");
    return summarise(label, scored);
  } finally {
    await mf.dispose();
  }
}

async function ask(base: URL, auth: Record<string, string>, q: Question): Promise<Scored> {
  const posted = await fetch(new URL("/v1/submissions", base), {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ text: q.request }),
  });
  if (posted.status !== 202) throw new Error(`${q.id}: POST answered ${posted.status}: ${await posted.text()}`);
  const { id } = (await posted.json()) as { id: string };
  type View = {
    status: string;
    createdAt: string;
    completedAt: string | null;
    sources?: { url: string }[];
  };
  let view: View;
  const started = Date.now();
  for (;;) {
    view = (await (await fetch(new URL(`/v1/submissions/${id}`, base), { headers: auth })).json()) as View;
    if (["completed", "failed", "cancelled"].includes(view.status)) break;
    if (Date.now() - started > TIMEOUT_MS) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const markdown =
    view.status === "completed"
      ? await (await fetch(new URL(`/v1/submissions/${id}/result`, base), { headers: auth })).text()
      : "";
  const cited = (view.sources ?? []).map((s) => pageOf(s.url));
  const expected = new Set(q.expect.pages);
  const answer = fold(answerOf(markdown));
  const factsFound = q.expect.facts.filter((f) => answer.includes(fold(f))).length;
  return {
    id: q.id,
    locale: q.locale,
    status: view.status,
    cited,
    hit1: expected.size > 0 && expected.has(cited[0] ?? ""),
    hit3: expected.size > 0 && cited.slice(0, 3).some((c) => expected.has(c)),
    factsFound,
    factsExpected: q.expect.facts.length,
    noMatchOk: expected.size === 0 ? cited.length === 0 : null,
    ms: view.completedAt ? Date.parse(view.completedAt) - Date.parse(view.createdAt) : null,
  };
}

function summarise(label: string, scored: Scored[]) {
  const rate = (xs: boolean[]) => (xs.length ? Number((xs.filter(Boolean).length / xs.length).toFixed(3)) : null);
  const byLocale = (rows: Scored[]) => {
    const answerable = rows.filter((r) => r.noMatchOk === null);
    const facts = answerable.reduce((a, r) => a + r.factsExpected, 0);
    const times = rows
      .map((r) => r.ms)
      .filter((m): m is number => m !== null)
      .sort((a, b) => a - b);
    return {
      requests: rows.length,
      completed: rows.filter((r) => r.status === "completed").length,
      hitAt1: rate(answerable.map((r) => r.hit1)),
      hitAt3: rate(answerable.map((r) => r.hit3)),
      factRecall: facts ? Number((answerable.reduce((a, r) => a + r.factsFound, 0) / facts).toFixed(3)) : null,
      noMatchCorrect: rate(rows.filter((r) => r.noMatchOk !== null).map((r) => r.noMatchOk === true)),
      p50Ms: times[Math.floor((times.length - 1) / 2)] ?? null,
      maxMs: times.at(-1) ?? null,
    };
  };
  const locales = [...new Set(scored.map((r) => r.locale))].sort();
  return {
    pass: label,
    all: byLocale(scored),
    ...Object.fromEntries(locales.map((l) => [l, byLocale(scored.filter((r) => r.locale === l))])),
    misses: scored
      .filter((r) => (r.noMatchOk === null ? !r.hit3 || r.factsFound < r.factsExpected : !r.noMatchOk))
      .map((r) => ({ id: r.id, cited: r.cited.slice(0, 3), facts: `${r.factsFound}/${r.factsExpected}` })),
  };
}

const reports = [await runPass("local", { AI_PROVIDER: "local" })];
if (process.env.EVAL_AI_BASE_URL) {
  reports.push(
    await runPass("openai", {
      AI_PROVIDER: "openai",
      AI_BASE_URL: process.env.EVAL_AI_BASE_URL,
      ...(process.env.EVAL_AI_MODEL ? { AI_MODEL: process.env.EVAL_AI_MODEL } : {}),
      ...(process.env.EVAL_AI_API_KEY ? { AI_API_KEY: process.env.EVAL_AI_API_KEY } : {}),
    }),
  );
}
mkdirSync(outdir, { recursive: true });
writeFileSync(path.join(outdir, "eval-answers.json"), `${JSON.stringify(reports, null, 2)}\n`);
console.error(JSON.stringify(reports, null, 2));
const offline = reports[0]?.all;
if (!offline || (offline.hitAt3 ?? 0) < TARGET_HIT3 || (offline.factRecall ?? 0) < TARGET_RECALL) {
  console.error(`below the offline targets: hit@3 ≥ ${TARGET_HIT3}, fact recall ≥ ${TARGET_RECALL}`);
  process.exitCode = 1;
}
