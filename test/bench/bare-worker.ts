/**
 * The benchmark's baselines: a bare Hono + zod endpoint that validates the same JSON body as
 * `POST /v1/submissions` and answers 202, with no auth, no storage and no logging; and, at
 * `/io/v1/submissions`, the same plus the three binding calls the issue names for an intake
 * (the input to R2, one row in a D1 batch, a queue message), with nothing else around them.
 * The second shows what the local simulators of those bindings cost by themselves.
 */
import { Hono } from "hono";
import { z } from "zod";

interface Bindings {
  DB: D1Database;
  FILES: R2Bucket;
  JOBS: Queue;
}

const Body = z
  .object({
    text: z.string().trim().min(1).max(20_000),
    workflow: z.enum(["analyse", "transcribe", "reviewed"]).optional(),
  })
  .strict();

const app = new Hono<{ Bindings: Bindings }>()
  .post("/v1/submissions", async (c) => {
    const parsed = Body.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) return c.json({ status: 422, title: "Validation Failed" }, 422);
    return c.json({ id: "sub_00000000000000000000000000", status: "queued" }, 202);
  })
  .post("/io/v1/submissions", async (c) => {
    const parsed = Body.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) return c.json({ status: 422, title: "Validation Failed" }, 422);
    const id = `sub_${crypto.randomUUID().replaceAll("-", "")}`;
    await c.env.FILES.put(`inputs/${id}.json`, JSON.stringify({ id, text: parsed.data.text }));
    await c.env.DB.batch([
      c.env.DB.prepare("INSERT INTO submissions (id, status, text_chars, created_at) VALUES (?, 'queued', ?, ?)").bind(
        id,
        parsed.data.text.length,
        Date.now(),
      ),
    ]);
    await c.env.JOBS.send({ kind: "job.start", submissionId: id });
    return c.json({ id, status: "queued" }, 202);
  });

export default { fetch: app.fetch };
