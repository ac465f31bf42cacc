/**
 * The benchmark's baseline: a bare Hono + zod endpoint that validates the same JSON body as
 * `POST /v1/submissions` and answers 202, with no auth, no storage and no logging.
 */
import { Hono } from "hono";
import { z } from "zod";

const Body = z
  .object({
    text: z.string().trim().min(1).max(20_000),
    workflow: z.enum(["analyse", "transcribe", "reviewed"]).optional(),
  })
  .strict();

const app = new Hono().post("/v1/submissions", async (c) => {
  const parsed = Body.safeParse(await c.req.json().catch(() => null));
  if (!parsed.success) return c.json({ status: 422, title: "Validation Failed" }, 422);
  return c.json({ id: "sub_00000000000000000000000000", status: "queued" }, 202);
});

export default { fetch: app.fetch };
