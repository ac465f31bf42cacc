/**
 * Production D1 refuses a statement that binds more than 100 parameters; the local SQLite the
 * tests run on allows thousands. Each test here runs real code over a recording wrapper of the
 * database and asserts the largest statement it bound, so a query whose parameters grow with a
 * user's data fails here, not for the first customer with 101 requests.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { D1_MAX_BOUND_PARAMETERS, db, insertChunks, strictD1, TooManyBoundParameters } from "../shared/db/client";
import { webhookDeliveries } from "../shared/db/schema";
import { createLogger } from "../shared/log";
import { sweepInbound } from "../shared/mail/cleanup";
import { redriveFailed } from "../shared/notifications/deliver";
import { insertSubmission } from "../shared/submissions/repo";
import { emitWebhookEvent } from "../shared/webhooks/deliver";
import { deleteAccount } from "../workers/account/delete";
import { buildExport } from "../workers/account/export";
import { timelines } from "../workers/api/notifications/repo";
import { createUser } from "../workers/auth/service";

/** `env` whose D1 records how many parameters each statement binds (as production would see them). */
function recording() {
  const counts: number[] = [];
  const DB = new Proxy(env.DB, {
    get(target, property) {
      if (property === "prepare") {
        return (query: string) => {
          const statement = target.prepare(query);
          const bind = statement.bind.bind(statement);
          counts.push(0);
          statement.bind = (...values: unknown[]) => {
            counts.push(values.length);
            return bind(...values);
          };
          return statement;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { env: { ...env, DB } as Env, counts, largest: () => Math.max(0, ...counts) };
}

const log = createLogger({ correlationId: "d1-parameters", component: "test" });
let serial = 0;

async function userWithRequests(email: string, n: number) {
  const user = await createUser(db(env.DB), { email, password: "correct horse battery", verified: true });
  if (!user) throw new Error("no user");
  const now = Date.now() - 10 * 86_400_000;
  for (let i = 0; i < n; i++) {
    const id = `sub_01JF${String(++serial).padStart(22, "0")}`;
    await insertSubmission(db(env.DB), {
      id,
      userId: user.id,
      source: "api",
      email,
      textChars: 10,
      inputKey: `inputs/${id}.json`,
      correlationId: `c-${id}`,
      now: now + i,
    });
  }
  const ids = (
    await env.DB.prepare("SELECT id FROM submissions WHERE user_id = ?").bind(user.id).all<{ id: string }>()
  ).results.map((r) => r.id);
  return { user, ids };
}

describe("D1's 100 bound parameters", () => {
  it("the strict client refuses a statement over the limit before D1 sees it, and allows one at it", async () => {
    const d1 = strictD1(env.DB);
    const list = (n: number) => Array.from({ length: n }, (_, i) => i);
    const sql = (n: number) =>
      `SELECT ${list(n)
        .map(() => "?")
        .join(", ")}`;
    await expect(
      d1
        .prepare(sql(D1_MAX_BOUND_PARAMETERS))
        .bind(...list(D1_MAX_BOUND_PARAMETERS))
        .raw(),
    ).resolves.toHaveLength(1);
    expect(() => d1.prepare(sql(101)).bind(...list(101))).toThrow(TooManyBoundParameters);
  });

  it("splits multi-row inserts by the columns of the table, defaults included", () => {
    const rows = Array.from({ length: 25 }, (_, i) => ({ id: `msg_${i}` }));
    // webhook_deliveries has ten columns; drizzle binds the defaults of those a row leaves out.
    expect(insertChunks(webhookDeliveries, rows).map((p) => p.length)).toEqual([10, 10, 5]);
    expect(insertChunks(webhookDeliveries, rows, 15).map((p) => p.length)).toEqual([8, 8, 8, 1]);
    expect(insertChunks(webhookDeliveries, [])).toEqual([]);
  });

  it("exports and deletes an account with 250 requests within the limit", async () => {
    const { user, ids } = await userWithRequests("many-requests@example.com", 250);
    expect(ids).toHaveLength(250);
    const exporting = recording();
    const zip = await buildExport(exporting.env, user.id);
    expect(zip.byteLength).toBeGreaterThan(0);
    expect(exporting.largest()).toBeLessThanOrEqual(D1_MAX_BOUND_PARAMETERS);

    const deleting = recording();
    const removed = await deleteAccount(deleting.env, user.id, log);
    expect(removed.submissions).toBe(250);
    expect(deleting.largest()).toBeLessThanOrEqual(D1_MAX_BOUND_PARAMETERS);
    const left = await env.DB.prepare(
      "SELECT (SELECT COUNT(*) FROM submissions WHERE user_id = ?1) + (SELECT COUNT(*) FROM submission_steps WHERE submission_id LIKE 'sub_01JF%') AS n",
    )
      .bind(user.id)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
  });

  it("writes a submission with fifteen files within the limit", async () => {
    const user = await createUser(db(env.DB), { email: "files@example.com", password: "x".repeat(12), verified: true });
    if (!user) throw new Error("no user");
    const id = "sub_01JF0000000000000000FILE15";
    const files = Array.from({ length: 15 }, (_, i) => ({
      id: `fil_${i}`,
      name: `part-${i}.txt`,
      contentType: "text/plain",
      size: 10,
      sha256: "0".repeat(64),
      key: `uploads/${id}/fil_${i}`,
    }));
    const r = recording();
    await insertSubmission(db(r.env.DB), {
      id,
      userId: user.id,
      source: "api",
      email: "files@example.com",
      textChars: 1,
      inputKey: `inputs/${id}.json`,
      correlationId: "c",
      files,
      now: Date.now(),
    });
    expect(r.largest()).toBeLessThanOrEqual(D1_MAX_BOUND_PARAMETERS);
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM submission_files WHERE submission_id = ?")
      .bind(id)
      .first<{ n: number }>();
    expect(n?.n).toBe(15);
  });

  it("records an event for twenty webhook endpoints within the limit", async () => {
    const user = await createUser(db(env.DB), { email: "hooks@example.com", password: "x".repeat(12), verified: true });
    if (!user) throw new Error("no user");
    for (let i = 0; i < 20; i++) {
      await env.DB.prepare(
        "INSERT INTO webhook_endpoints (id, user_id, url, events, secret, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      )
        .bind(`whe_${i}`, user.id, `https://hooks.example.com/${i}`, "submission.completed", "whsec_x", Date.now())
        .run();
    }
    const r = recording();
    expect(await emitWebhookEvent(r.env, user.id, "submission.completed", { id: "sub_x" })).toBe(20);
    expect(r.largest()).toBeLessThanOrEqual(D1_MAX_BOUND_PARAMETERS);
    const n = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE e.user_id = ?",
    )
      .bind(user.id)
      .first<{ n: number }>();
    expect(n?.n).toBe(20);
  });

  it("re-drives a hundred failed deliveries and reads 150 timelines within the limit", async () => {
    const now = Date.now();
    const ids = Array.from({ length: 150 }, (_, i) => `ntf_params_${String(i).padStart(3, "0")}`);
    for (const id of ids) {
      await env.DB.batch([
        env.DB.prepare(
          "INSERT INTO notifications (id, event, channel, recipient, status, locale, created_at, updated_at) VALUES (?, 'submission.completed', 'email', 'x@example.com', 'failed', 'en', ?, ?)",
        ).bind(id, now, now),
        env.DB.prepare(
          "INSERT INTO notification_attempts (notification_id, status, attempt, at) VALUES (?, 'failed', 1, ?)",
        ).bind(id, now),
      ]);
    }
    const r = recording();
    const redriven = await redriveFailed(r.env, ids.slice(0, 100), "test");
    expect(redriven.sort()).toEqual(ids.slice(0, 100));
    const lines = await timelines(r.env.DB, ids);
    expect(lines.size).toBe(150);
    expect(r.largest()).toBeLessThanOrEqual(D1_MAX_BOUND_PARAMETERS);
  });

  it("sweeps more than a hundred expired inbound messages within the limit", async () => {
    const old = Date.now() - 400 * 86_400_000;
    const statements = Array.from({ length: 180 }, (_, i) =>
      env.DB.prepare(
        "INSERT INTO inbound_emails (id, dedupe_key, sender, recipient, status, raw_size, correlation_id, created_at) VALUES (?, ?, 'a@example.com', 'requests@statex.localhost', 'ignored', 10, 'c', ?)",
      ).bind(`inb_params_${i}`, `dedupe-params-${i}`, old),
    );
    await env.DB.batch(statements);
    const r = recording();
    const swept = await sweepInbound(r.env);
    expect(swept.removed).toBeGreaterThanOrEqual(180);
    expect(r.largest()).toBeLessThanOrEqual(D1_MAX_BOUND_PARAMETERS);
    const n = await env.DB.prepare("SELECT COUNT(*) AS n FROM inbound_emails WHERE id LIKE 'inb_params_%'").first<{
      n: number;
    }>();
    expect(n?.n).toBe(0);
  });
});
