import { and, eq, lt, or } from "drizzle-orm";
import { createMiddleware } from "hono/factory";
import { sha256Hex } from "../../shared/crypto";
import { type Db, db } from "../../shared/db/client";
import { idempotencyKeys } from "../../shared/db/schema";
import { HttpProblem } from "../../shared/http/problem";
import { uploadLimits } from "../../shared/submissions/files";
import type { AppEnv } from "../app-env";
import { isMultipart, readMultipartSubmission } from "./submissions/intake";

/** How long a first response is kept and replayed. */
export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;
/** A request still `in_progress` after this long is taken to have died; its key may be reused. */
const STALE_MS = 60_000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** Response headers replayed with a stored response. */
const KEPT_HEADERS = ["content-type", "location"];
/** The fingerprint of a multipart request whose body is still being read. */
const PENDING = "pending";

/**
 * `Idempotency-Key` on a POST (after authentication, so keys are per user): the first
 * response (anything but a 5xx) is stored and replayed for 24 hours with
 * `Idempotent-Replayed: true`; the same key while the first request runs gets 409 with
 * `Retry-After`; the same key with a different body gets 422.
 *
 * A JSON body is fingerprinted whole. A multipart body is streamed, not buffered, so its
 * fingerprint (fields, and per file: field name, file name, declared type, SHA-256 of the
 * bytes; not the boundary) is only known once the handler has read it: the key is claimed
 * first, and the handler reports the fingerprint through `c.set("idempotencyFingerprint")`.
 * A re-send after the first response is hashed without storing anything, then replayed or
 * refused.
 */
export const idempotency = createMiddleware<AppEnv>(async (c, next) => {
  const key = c.req.header("idempotency-key");
  if (key === undefined) return next();
  if (!KEY_PATTERN.test(key)) {
    throw new HttpProblem(
      400,
      "bad-idempotency-key",
      "Bad Idempotency Key",
      "Idempotency-Key must be 1 to 255 printable ASCII characters.",
    );
  }
  const user = c.get("user");
  const multipart = isMultipart(c.req.raw);
  const fingerprint = multipart
    ? null
    : await sha256Hex(`${c.req.method} ${c.req.path}\n${new TextDecoder().decode(await c.req.arrayBuffer())}`);
  const d = db(c.env.DB);
  const now = Date.now();

  // Forget an expired key, or one whose first request died mid-flight.
  await d
    .delete(idempotencyKeys)
    .where(
      and(
        eq(idempotencyKeys.userId, user.id),
        eq(idempotencyKeys.key, key),
        or(
          lt(idempotencyKeys.expiresAt, now),
          and(eq(idempotencyKeys.status, "in_progress"), lt(idempotencyKeys.createdAt, now - STALE_MS)),
        ),
      ),
    );
  const [claimed] = await d
    .insert(idempotencyKeys)
    .values({
      userId: user.id,
      key,
      fingerprint: fingerprint ?? PENDING,
      status: "in_progress",
      createdAt: now,
      expiresAt: now + IDEMPOTENCY_TTL_MS,
    })
    .onConflictDoNothing()
    .returning();

  if (!claimed) {
    const [existing] = await d
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.userId, user.id), eq(idempotencyKeys.key, key)))
      .limit(1);
    if (!existing)
      throw new HttpProblem(409, "idempotency-conflict", "Conflict", "Retry the request.", {
        headers: { "Retry-After": "1" },
      });
    if (multipart && existing.status === "in_progress") {
      throw new HttpProblem(
        409,
        "idempotency-conflict",
        "Request In Progress",
        "A request with this Idempotency-Key is still being processed. Retry shortly.",
        { headers: { "Retry-After": "1" } },
      );
    }
    const sent =
      fingerprint ??
      (
        await readMultipartSubmission(c.env, c.req.raw, {
          submissionId: "",
          limits: uploadLimits(c.env),
          hashOnly: true,
        })
      ).fingerprint;
    if (existing.fingerprint !== sent) {
      throw new HttpProblem(
        422,
        "idempotency-key-reuse",
        "Idempotency Key Reused",
        "This Idempotency-Key was used with a different request. Use a new key for a new request.",
      );
    }
    if (existing.status === "in_progress") {
      throw new HttpProblem(
        409,
        "idempotency-conflict",
        "Request In Progress",
        "A request with this Idempotency-Key is still being processed. Retry shortly.",
        { headers: { "Retry-After": "1" } },
      );
    }
    const headers = new Headers(JSON.parse(existing.responseHeaders ?? "{}") as Record<string, string>);
    headers.set("Idempotent-Replayed", "true");
    return new Response(existing.responseBody, { status: existing.responseStatus ?? 200, headers });
  }

  try {
    await next();
  } catch (error) {
    await d.delete(idempotencyKeys).where(and(eq(idempotencyKeys.userId, user.id), eq(idempotencyKeys.key, key)));
    throw error;
  }
  const res = c.res;
  const final = fingerprint ?? c.get("idempotencyFingerprint");
  if (res.status >= 500 || !final) {
    // A server failure is not an answer, nor is a multipart body refused before it was read
    // whole (no fingerprint to hold a re-send to): let the client retry with the same key.
    await d.delete(idempotencyKeys).where(and(eq(idempotencyKeys.userId, user.id), eq(idempotencyKeys.key, key)));
    return;
  }
  const text = await res.clone().text();
  const kept = Object.fromEntries(
    KEPT_HEADERS.flatMap((h) => (res.headers.has(h) ? [[h, res.headers.get(h) ?? ""]] : [])),
  );
  await d
    .update(idempotencyKeys)
    .set({
      status: "done",
      fingerprint: final,
      responseStatus: res.status,
      responseHeaders: JSON.stringify(kept),
      responseBody: text,
    })
    .where(and(eq(idempotencyKeys.userId, user.id), eq(idempotencyKeys.key, key)));
});

/** Deletes expired keys (called from the cron trigger). */
export async function sweepIdempotencyKeys(d: Db, now = Date.now()): Promise<void> {
  await d.delete(idempotencyKeys).where(lt(idempotencyKeys.expiresAt, now));
}
