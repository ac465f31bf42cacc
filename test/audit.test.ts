import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { appendAudit } from "../shared/audit";
import { auditHeadKey } from "../shared/audit-head";
import { db } from "../shared/db/client";
import { createUser } from "../workers/auth/service";
import worker from "../workers/index";
import { apiKeyFor, BASE, postSubmission } from "./helpers/api";
import { PortalClient } from "./helpers/client";
import { signedInAs } from "./helpers/session";

const adminKey = () => apiKeyFor("auditor@example.com", { role: "admin", scopes: ["admin:read"] });

async function api<T>(path: string, key: string): Promise<{ status: number; body: T }> {
  const res = await exports.default.fetch(`${BASE}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, body: (await res.json()) as T };
}

interface Entry {
  id: number;
  action: string;
  actorId: string | null;
  actorType: string;
  targetId: string | null;
  ip: string | null;
  correlationId: string | null;
  before: unknown;
  after: unknown;
}

const verify = async () =>
  (
    await api<{ ok: boolean; rows: number; broken?: { id: number; reason: string } }>(
      "/v1/admin/audit/verify",
      await adminKey(),
    )
  ).body;

describe("the audit trail", () => {
  it("records sign-in, key creation and submissions with actor, truncated IP and correlation id", async () => {
    const email = "audited@example.com";
    const user = await createUser(db(env.DB), { email, password: "a long enough password", verified: true });
    const client = new PortalClient();
    const form = await client.page("/auth/signin");
    await client.post("/auth/signin", { email, password: "a long enough password" }, form);
    const stranger = new PortalClient();
    await stranger.post("/auth/signin", { email, password: "wrong password!!" }, await stranger.page("/auth/signin"));
    const res = await postSubmission(
      { text: "Audit this request. Thanks.", email },
      { "x-request-id": "audit-corr-1" },
    );
    const { id } = await res.json<{ id: string }>();

    const { body } = await api<{ items: Entry[] }>(`/v1/admin/audit?actorId=${user?.id}`, await adminKey());
    const actions = body.items.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(["auth.signin", "submission.created"]));
    const signin = body.items.find((e) => e.action === "auth.signin");
    expect(signin?.ip).toBe(`${client.ip.split(".").slice(0, 3).join(".")}.0/24`);
    expect(signin?.after).toEqual({ method: "password" });
    const created = body.items.find((e) => e.action === "submission.created");
    expect(created).toMatchObject({ targetId: id, correlationId: "audit-corr-1", actorType: "user" });

    const failed = await api<{ items: Entry[] }>("/v1/admin/audit?action=auth.signin_failed", await adminKey());
    expect(failed.body.items[0]).toMatchObject({ actorType: "anonymous", actorId: null });
  });

  it("keeps a verifiable chain under concurrent writers", async () => {
    // The normal path: every write goes through the one AuditChain object.
    const chain = env.AUDIT_CHAIN.getByName("global");
    await Promise.all(
      Array.from({ length: 15 }, (_, i) =>
        chain.append({ actorType: "system", action: "test.concurrent", targetId: `do-${i}` }),
      ),
    );
    // Writers that bypass it still cannot fork the chain: the unique prev_hash makes them retry.
    const d = db(env.DB);
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        appendAudit(d, { actorType: "system", action: "test.concurrent", targetId: `direct-${i}` }),
      ),
    );
    const verdict = await verify();
    expect(verdict.ok).toBe(true);
    const { n } = (await env.DB.prepare("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'test.concurrent'").first<{
      n: number;
    }>()) ?? { n: 0 };
    expect(n).toBe(20);
  });

  it("chains appends that arrive together in the order they came, and follows a head moved behind its back", async () => {
    const chain = env.AUDIT_CHAIN.getByName("global");
    await chain.append({ actorType: "system", action: "test.group", targetId: "first" });
    // Appended around the object: its remembered head is now stale.
    await appendAudit(db(env.DB), { actorType: "system", action: "test.group", targetId: "around" });
    const rows = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        chain.append({ actorType: "system", action: "test.group", targetId: `g-${i}` }),
      ),
    );
    // Each is chained onto the one before it, in the order they were handed in.
    for (let i = 1; i < rows.length; i++) expect(rows[i]?.prevHash).toBe(rows[i - 1]?.hash);
    expect(rows.map((r) => r.targetId)).toEqual(Array.from({ length: 30 }, (_, i) => `g-${i}`));
    expect((await verify()).ok).toBe(true);
  });

  it("refuses updates and deletes", async () => {
    await appendAudit(db(env.DB), { actorType: "system", action: "test.immutable" });
    await expect(env.DB.prepare("UPDATE audit_log SET action = 'x'").run()).rejects.toThrow(/append-only/);
    await expect(env.DB.prepare("DELETE FROM audit_log").run()).rejects.toThrow(/append-only/);
  });

  it("reports the first edited row, and the row after a deleted one", async () => {
    const d = db(env.DB);
    const rows = [];
    for (let i = 0; i < 5; i++)
      rows.push(await appendAudit(d, { actorType: "system", action: "test.tamper", targetId: String(i) }));
    expect((await verify()).ok).toBe(true);

    // Someone with database access drops the guard and edits a row.
    await env.DB.prepare("DROP TRIGGER audit_log_no_update").run();
    await env.DB.prepare("UPDATE audit_log SET target_id = 'forged' WHERE id = ?").bind(rows[2]?.id).run();
    expect(await verify()).toMatchObject({
      ok: false,
      broken: { id: rows[2]?.id, reason: "content does not match its hash" },
    });
    // Editing the stored hash too only moves the break to the next row.
    await env.DB.prepare("UPDATE audit_log SET target_id = ? WHERE id = ?").bind("2", rows[2]?.id).run();
    expect((await verify()).ok).toBe(true);

    await env.DB.prepare("DROP TRIGGER audit_log_no_delete").run();
    await env.DB.prepare("DELETE FROM audit_log WHERE id = ?").bind(rows[1]?.id).run();
    expect(await verify()).toMatchObject({
      ok: false,
      broken: { id: rows[2]?.id, reason: "does not link to the row before it" },
    });
  });

  it("is for admins only", async () => {
    const plain = await api("/v1/admin/audit", await apiKeyFor("nosy@example.com", { scopes: ["admin:read"] }));
    expect(plain.status).toBe(404);
    const unscoped = await api("/v1/admin/audit", await apiKeyFor("auditor2@example.com", { role: "admin" }));
    expect(unscoped.status).toBe(403);
  });

  it("writes the chain head to R2 with the daily cron", async () => {
    const row = await appendAudit(db(env.DB), { actorType: "system", action: "test.head" });
    const scheduledTime = Date.now();
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ cron: "45 3 * * *", scheduledTime }), env, ctx);
    await waitOnExecutionContext(ctx);
    const head = await env.FILES.get(auditHeadKey(scheduledTime));
    expect(await head?.json()).toMatchObject({ id: row.id, hash: row.hash });
  });

  it("shows admins a searchable page and a CSV export that spreadsheets cannot run", async () => {
    await appendAudit(db(env.DB), { actorType: "system", action: "test.csv", targetId: '=HYPERLINK("x")' });
    const email = "page-admin@example.com";
    const admin = await signedInAs(email, "admin");
    const html = await admin.page("/app/admin/audit?action=test.csv");
    expect(html).toContain("test.csv");
    expect(html).not.toContain("auth.signin<");
    const csv = await admin.get("/app/admin/audit.csv?action=test.csv");
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const text = await csv.text();
    const [header, row] = text.split("\r\n");
    expect(header).toBe(
      "id,at,actorType,actorId,action,targetType,targetId,ip,userAgent,correlationId,before,after,hash",
    );
    expect(row).toContain(",test.csv,");
    expect(row).toContain(`"'=HYPERLINK(""x"")"`);
    // Exporting is itself on the record.
    const { body } = await api<{ items: Entry[] }>("/v1/admin/audit?action=admin.exported_audit", await adminKey());
    expect(body.items).toHaveLength(1);

    const user = await signedInAs("not-admin@example.com");
    expect((await user.get("/app/admin/audit")).status).toBe(404);
    expect((await user.get("/app/admin/audit.csv")).status).toBe(404);
  });
});
