/**
 * `npm run bench:pipeline [-- N [concurrency]]`: N submissions (default 500) through the real
 * local runtime with the `local` provider. The Worker is bundled as `wrangler deploy` would
 * bundle it and run by Miniflare (workerd) with the bindings of wrangler.toml; requests go to
 * Miniflare's own URL, not through `wrangler dev`'s proxy. Latency is submit → completed from
 * the rows' own times (`created_at`, `completed_at`), so polling does not distort it.
 */
import { createHash } from "node:crypto";
import path from "node:path";
import { bundleWorker, localWorker, migrate, root } from "./local-worker.ts";

const N = Number(process.argv[2] ?? process.env.BENCH_N ?? 500);
const CONCURRENCY = Number(process.argv[3] ?? process.env.BENCH_CONCURRENCY ?? 25);
/** Optional open-loop arrival rate (submissions/s); unset, `concurrency` clients submit flat out. */
const RATE = Number(process.env.BENCH_RATE ?? 0);
const OWNERS = 50;
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 10 * 60_000);
const outdir = path.join(root, ".wrangler", "bench");

const mf = localWorker(bundleWorker(outdir));

try {
  const url = await mf.ready;
  console.error(`workerd (Miniflare) at ${url}`);
  const d1 = await migrate(mf);

  // One verified account and API key per submitter, written as the portal would.
  const keyOf = (i: number) => `sx_bench_${String(i).padStart(4, "0")}_${"k".repeat(32)}`;
  const sha256 = (v: string) => createHash("sha256").update(v).digest("hex");
  for (let i = 0; i < OWNERS; i++) {
    const now = Date.now();
    await d1
      .prepare(
        "INSERT INTO users (id, email, name, role, email_verified_at, created_at, updated_at) VALUES (?, ?, '', 'user', ?, ?, ?)",
      )
      .bind(`usr_bench_${i}`, `owner${i}@bench.example`, now, now, now)
      .run();
    await d1
      .prepare(
        "INSERT INTO api_keys (id, user_id, name, prefix, key_hash, scopes, created_at) VALUES (?, ?, 'bench', ?, ?, 'submissions:read submissions:write', ?)",
      )
      .bind(`key_bench_${i}`, `usr_bench_${i}`, keyOf(i).slice(0, 11), sha256(keyOf(i)), now)
      .run();
  }

  const text =
    "Our warehouse keeps running out of packing material. Orders were delayed three times in October. " +
    "We need a plan to avoid further delays. Who should own the supplier relationship?";
  const submitted: string[] = [];
  let failedPosts = 0;
  const t0 = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < N) {
        const i = next++;
        if (RATE > 0) {
          const due = t0 + (i * 1000) / RATE;
          if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
        }
        const res = await fetch(new URL("/v1/submissions", url), {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${keyOf(i % OWNERS)}` },
          body: JSON.stringify({ text }),
        });
        if (res.status === 202) submitted.push(`${i % OWNERS}:${((await res.json()) as { id: string }).id}`);
        else {
          failedPosts++;
          if (failedPosts === 1) console.error(`POST answered ${res.status}: ${await res.text()}`);
        }
      }
    }),
  );
  const submitSeconds = (Date.now() - t0) / 1000;
  console.error(`${submitted.length} accepted in ${submitSeconds} s`);

  // Follow the jobs over HTTP, not through Miniflare's binding proxy: the proxy's synchronous
  // calls block Node's event loop, and a busy Worker then blocks on writing its logs to Node.
  const pending = new Set(submitted);
  while (pending.size > 0 && Date.now() - t0 < TIMEOUT_MS) {
    const ids = [...pending];
    for (let i = 0; i < ids.length; i += 8) {
      await Promise.all(
        ids.slice(i, i + 8).map(async (entry) => {
          const [owner, id] = entry.split(":");
          const res = await fetch(new URL(`/v1/submissions/${id}`, url), {
            headers: { authorization: `Bearer ${keyOf(Number(owner))}` },
          });
          const { status } = (await res.json()) as { status: string };
          if (status === "completed" || status === "failed" || status === "cancelled") pending.delete(entry);
        }),
      );
    }
    process.stderr.write(`\r${submitted.length - pending.size}/${submitted.length} terminal`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const terminal = submitted.length - pending.size;
  type Row = { status: string; created_at: number; completed_at: number | null };
  const results = (await d1.prepare("SELECT status, created_at, completed_at FROM submissions").all()).results as Row[];
  const sent = (await d1.prepare("SELECT COUNT(*) AS n FROM notifications WHERE status = 'sent'").first()) as {
    n: number;
  } | null;
  const done = results.filter((r) => r.status === "completed" && r.completed_at !== null);
  const latencies = done.map((r) => (r.completed_at ?? 0) - r.created_at).sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? NaN;
  const first = Math.min(...results.map((r) => r.created_at));
  const last = Math.max(...done.map((r) => r.completed_at ?? 0));
  const report = {
    submissions: N,
    concurrency: CONCURRENCY,
    ratePerSecond: RATE || "unpaced",
    owners: OWNERS,
    accepted: submitted.length,
    rejectedPosts: failedPosts,
    completed: done.length,
    failed: results.filter((r) => r.status === "failed").length,
    unfinished: results.length - terminal,
    emailsSent: sent?.n ?? 0,
    submitSeconds: Number(submitSeconds.toFixed(2)),
    throughputJobsPerSecond: Number((done.length / ((last - first) / 1000)).toFixed(1)),
    p50Ms: pct(50),
    p90Ms: pct(90),
    p99Ms: pct(99),
    maxMs: latencies.at(-1),
  };
  // On stderr, apart from the Worker's log lines on stdout.
  console.error(`\n${JSON.stringify(report, null, 2)}`);
  if (report.unfinished > 0 || report.completed !== N) process.exitCode = 1;
} finally {
  await mf.dispose();
}
