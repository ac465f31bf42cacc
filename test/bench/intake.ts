/**
 * `npm run bench`: the JSON intake of `POST /v1/submissions` against a bare Hono + zod
 * endpoint that answers 202 (test/bench/bare-worker.ts), in one run with one load tool
 * (autocannon, 50 connections, 127.0.0.1). Both Workers are bundled (the real one as `wrangler
 * deploy` bundles it) and served by workerd through Miniflare, whose `ready` URL is workerd's
 * own socket — never through `wrangler dev`'s proxy.
 *
 * Four targets, each measured in turn, `BENCH_ROUNDS` rounds (default 3) of
 * `BENCH_SECONDS` (default 10) s, the median round reported:
 * - `bare`: the baseline.
 * - `bareIo`: the bare endpoint plus R2 put, D1 batch and queue send: what the local
 *   simulators of the intake's three binding calls cost by themselves.
 * - `validation`: the real endpoint with a body that fails zod (`{}` → 422): request id, API
 *   key (from the isolate's memory after the first), rate limit (from the isolate's lease),
 *   zod and the problem answer; no intake writes.
 * - `intake`: the real endpoint with a valid body → 202: all that, the input to R2, the D1
 *   batch, the queue send and webhook event, the audit row.
 * Queue consumers are left out, so no job runs while the intake is measured. Each round also
 * reports the workerd processes' CPU time per request (from /proc), steadier than req/s on
 * shared cores.
 *
 * Diagnosis knobs (the report wants the defaults): `BENCH_DIAG=1` adds targets that stop
 * early (no key; an unknown key), `BENCH_KEYS=n` spreads the connections over n keys,
 * `BENCH_ONLY=a,b` runs a subset, `BENCH_CONNECTIONS` changes the 50, `BENCH_PROFILE=<target>`
 * runs one target under the V8 profiler of the real Worker's isolate and prints the top self
 * times (see docs/performance.md on what the attached inspector distorts).
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import autocannon from "autocannon";
import { build } from "esbuild";
import { convertV4MiniflareOptions, Miniflare, type V4MiniflareOptions } from "miniflare";
import { bundleWorker, localWorker, migrate, root } from "./local-worker.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const outdir = path.join(root, ".wrangler", "bench-intake");

const modulePath = bundleWorker(outdir);
await build({
  entryPoints: [path.join(import.meta.dirname, "bare-worker.ts")],
  bundle: true,
  format: "esm",
  platform: "neutral",
  mainFields: ["module", "main"],
  outfile: path.join(outdir, "bare", "index.js"),
  logLevel: "warning",
});

// The Worker's request log lines reach Node as structured logs; dropped here, not printed.
const drain = () => undefined;
const PROFILE = process.env.BENCH_PROFILE;
const real = localWorker(modulePath, {
  queueConsumers: false,
  extra: { handleStructuredLogs: drain, ...(PROFILE ? { inspectorPort: 9229 } : {}) },
});
const bare = new Miniflare(
  convertV4MiniflareOptions({
    handleStructuredLogs: drain,
    workers: [
      {
        name: "bare",
        modules: [{ type: "ESModule", path: path.join(outdir, "bare", "index.js") }],
        compatibilityDate: "2026-11-01",
        // Used by `/io/v1/submissions` only (the `bareIo` target).
        d1Databases: { DB: "bench-bare" },
        r2Buckets: { FILES: "bench-bare" },
        queueProducers: { JOBS: { queueName: "bench-bare-jobs" } },
      },
    ],
  } as V4MiniflareOptions),
);

interface Round {
  rps: number;
  /** CPU time of the workerd processes per request, µs (robust to other load on the machine). */
  cpuUs: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** `BENCH_KEYS=n` (diagnosis): connection i sends key i mod n, instead of all sharing one key. */
const KEYS = Math.max(1, Number(process.env.BENCH_KEYS ?? 1));
const keyOf = (i: number) => `sx_bench_${String(i).padStart(4, "0")}_${"k".repeat(32)}`;

/**
 * CPU time (user + system, ms) of this process's workerd children, from /proc. Shared cores
 * make req/s swing by half between runs; CPU per request does not.
 */
function workerdCpuMs(): number {
  const tick = 1000 / 100; // USER_HZ
  let total = 0;
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8").trim();
      const [, comm = "", rest = ""] = /^\d+ \((.*)\) (.*)$/.exec(stat) ?? [];
      const fields = rest.split(" ");
      if (!comm.startsWith("workerd") || Number(fields[1]) !== process.pid) continue;
      total += (Number(fields[11]) + Number(fields[12])) * tick;
    } catch {
      // The process ended while we looked.
    }
  }
  return total;
}

async function load(url: URL, headers: Record<string, string>, body: string, seconds: number): Promise<Round> {
  let client = 0;
  const cpuBefore = workerdCpuMs();
  const r = await autocannon({
    url: url.href,
    method: "POST",
    headers,
    body,
    connections: CONNECTIONS,
    duration: seconds,
    setupClient: (c) => {
      const i = client++ % KEYS;
      if (i > 0 && headers.authorization === `Bearer ${keyOf(0)}`) {
        c.setHeaders({ ...headers, authorization: `Bearer ${keyOf(i)}` });
      }
    },
  });
  return {
    rps: r.requests.average,
    cpuUs: Math.round(((workerdCpuMs() - cpuBefore) * 1000) / Math.max(1, r.requests.total)),
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

/** Runs `work` with the V8 profiler of the isolate behind `inspector` on; prints the top self times. */
async function profiled<T>(inspector: string, file: string, work: () => Promise<T>): Promise<T> {
  const ws = new WebSocket(inspector);
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve);
    ws.addEventListener("error", reject);
  });
  let id = 0;
  const pending = new Map<number, (result: unknown) => void>();
  ws.addEventListener("message", (event: MessageEvent) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  });
  const send = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve) => {
      pending.set(++id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 100 });
  await send("Profiler.start");
  const result = await work();
  const { profile } = (await send("Profiler.stop")) as {
    profile: {
      nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
      samples: number[];
      timeDeltas: number[];
    };
  };
  ws.close();
  writeFileSync(file, JSON.stringify(profile));
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  profile.samples.forEach((nodeId, i) => {
    const frame = byNode.get(nodeId)?.callFrame;
    const name = frame
      ? `${frame.functionName || "(anonymous)"} ${frame.url.split("/").pop()}:${frame.lineNumber}`
      : "?";
    self.set(name, (self.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  for (const [name, us] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
    console.error(`${((100 * us) / total).toFixed(1).padStart(5)} %  ${name}`);
  }
  return result;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

try {
  const [realUrl, bareUrl] = await Promise.all([real.ready, bare.ready]);
  console.error(`workerd (Miniflare): real Worker at ${realUrl}, bare endpoint at ${bareUrl}`);
  const bareDb = await bare.getD1Database("DB");
  await bareDb
    .prepare(
      "CREATE TABLE submissions (id TEXT PRIMARY KEY, status TEXT NOT NULL, text_chars INTEGER, created_at INTEGER)",
    )
    .run();
  const d1 = await migrate(real);
  const key = keyOf(0);
  const now = Date.now();
  await d1
    .prepare(
      "INSERT INTO users (id, email, name, role, email_verified_at, created_at, updated_at) VALUES ('usr_bench', 'bench@bench.example', '', 'user', ?, ?, ?)",
    )
    .bind(now, now, now)
    .run();
  for (let i = 1; i < KEYS; i++) {
    await d1
      .prepare(
        "INSERT INTO api_keys (id, user_id, name, prefix, key_hash, scopes, created_at) VALUES (?, 'usr_bench', 'bench', ?, ?, 'submissions:read submissions:write', ?)",
      )
      .bind(`key_bench_${i}`, keyOf(i).slice(0, 11), createHash("sha256").update(keyOf(i)).digest("hex"), now)
      .run();
  }
  await d1
    .prepare(
      "INSERT INTO api_keys (id, user_id, name, prefix, key_hash, scopes, created_at) VALUES ('key_bench', 'usr_bench', 'bench', ?, ?, 'submissions:read submissions:write', ?)",
    )
    .bind(key.slice(0, 11), createHash("sha256").update(key).digest("hex"), now)
    .run();

  const text = JSON.stringify({
    text:
      "Our warehouse keeps running out of packing material. Orders were delayed three times in October. " +
      "We need a plan to avoid further delays.",
  });
  const json = { "content-type": "application/json" };
  const auth = { ...json, authorization: `Bearer ${key}` };
  const targets = {
    bare: () => load(new URL("/v1/submissions", bareUrl), json, text, SECONDS),
    // The bare endpoint plus R2 put, D1 batch and queue send: the simulators' own cost.
    bareIo: () => load(new URL("/io/v1/submissions", bareUrl), json, text, SECONDS),
    validation: () => load(new URL("/v1/submissions", realUrl), auth, "{}", SECONDS),
    ...(process.env.BENCH_DIAG
      ? {
          // Where the time goes: no key (401 before any binding call), an unknown key (401
          // after the key lookup in D1).
          unauthenticated: () => load(new URL("/v1/submissions", realUrl), json, text, SECONDS),
          unknownKey: () =>
            load(
              new URL("/v1/submissions", realUrl),
              { ...json, authorization: `Bearer sx_${"x".repeat(40)}` },
              text,
              SECONDS,
            ),
        }
      : {}),
    intake: () => load(new URL("/v1/submissions", realUrl), auth, text, SECONDS),
  };
  // Warm-up: JIT, D1 and the rate limiter object.
  await load(new URL("/v1/submissions", bareUrl), json, text, 2);
  await load(new URL("/v1/submissions", realUrl), auth, text, 2);

  // `BENCH_ONLY=intake,bare` measures a subset (for diagnosis; the report wants all three).
  const only = process.env.BENCH_ONLY?.split(",");
  if (only)
    for (const name of Object.keys(targets))
      if (!only.includes(name)) delete (targets as Record<string, unknown>)[name];
  const rounds = Object.fromEntries(Object.keys(targets).map((k) => [k, [] as Round[]])) as Record<
    keyof typeof targets,
    Round[]
  >;
  if (PROFILE) {
    // `BENCH_PROFILE=<target>`: a CPU profile of the real Worker's isolate while the target
    // runs once, summarised by self time (and written as a .cpuprofile for DevTools).
    const run = (targets as Record<string, () => Promise<Round>>)[PROFILE];
    if (!run) throw new Error(`no target ${PROFILE}`);
    const file = path.join(outdir, `${PROFILE}.cpuprofile`);
    const r = await profiled(`ws://127.0.0.1:9229/core:user:statex-edge`, file, run);
    console.error(`${PROFILE}: ${r.rps.toFixed(0)} req/s while profiled; profile in ${file}`);
    process.exit(0);
  }
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, run] of Object.entries(targets) as [keyof typeof targets, () => Promise<Round>][]) {
      const r = await run();
      rounds[name].push(r);
      console.error(
        `round ${round} ${name.padEnd(10)} ${r.rps.toFixed(0).padStart(6)} req/s  ${String(r.cpuUs).padStart(5)} µs CPU/req  p50 ${r.p50} ms  p99 ${r.p99} ms  non-2xx ${r.non2xx}  errors ${r.errors}`,
      );
    }
  }
  const summary = Object.fromEntries(
    Object.entries(rounds).map(([name, rs]) => [
      name,
      {
        rps: Math.round(median(rs.map((r) => r.rps))),
        cpuUsPerRequest: median(rs.map((r) => r.cpuUs)),
        p50Ms: median(rs.map((r) => r.p50)),
        p99Ms: median(rs.map((r) => r.p99)),
        non2xx: rs.reduce((s, r) => s + r.non2xx, 0),
        errors: rs.reduce((s, r) => s + r.errors, 0),
      },
    ]),
  ) as Record<
    keyof typeof targets,
    { rps: number; cpuUsPerRequest: number; p50Ms: number; p99Ms: number; non2xx: number; errors: number }
  >;
  const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
  const { bare: b0, bareIo: io, validation: v, intake: n } = summary as Partial<typeof summary>;
  const report = {
    tool: `autocannon, ${CONNECTIONS} connections, ${ROUNDS} rounds × ${SECONDS} s per target (median round)`,
    ...summary,
    ...(b0 && v && n
      ? {
          ratios: {
            validationRps: ratio(v.rps, b0.rps),
            intakeRps: ratio(n.rps, b0.rps),
            validationP99: ratio(v.p99Ms, b0.p99Ms),
            intakeP99: ratio(n.p99Ms, b0.p99Ms),
            // Throughput a core could give, from CPU per request: bare's CPU / ours.
            validationCpu: ratio(b0.cpuUsPerRequest, v.cpuUsPerRequest),
            intakeCpu: ratio(b0.cpuUsPerRequest, n.cpuUsPerRequest),
            ...(io
              ? {
                  bareIoRps: ratio(io.rps, b0.rps),
                  intakeVsBareIoRps: ratio(n.rps, io.rps),
                  intakeVsBareIoCpu: ratio(io.cpuUsPerRequest, n.cpuUsPerRequest),
                }
              : {}),
          },
          targets: {
            "validation ≥ 0.85 × bare req/s": v.rps >= 0.85 * b0.rps,
            "intake ≥ 0.60 × bare req/s": n.rps >= 0.6 * b0.rps,
            "p99 ≤ 2 × bare p99 (intake)": n.p99Ms <= 2 * b0.p99Ms,
          },
        }
      : {}),
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  await Promise.all([real.dispose(), bare.dispose()]);
}
