import { env, exports } from "cloudflare:workers";
import { strFromU8, unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { apiKeyFor, BASE, postSubmission, waitForStatus } from "./helpers/api";

const readZip = async (res: Response) => unzipSync(new Uint8Array(await res.arrayBuffer()));

describe("data export", () => {
  it("returns one archive with the user's profile, submissions, inputs, results and messages, without secrets", async () => {
    const email = "export@example.com";
    const text = "Export me. Everything I sent should come back.";
    const { id } = await (await postSubmission({ text, email })).json<{ id: string }>();
    await waitForStatus(id, ["completed"]);
    await postSubmission({ text: "Someone else's request. Not for export.", email: "neighbour@example.com" });

    const key = await apiKeyFor(email, { scopes: ["account:manage"] });
    const res = await exports.default.fetch(`${BASE}/v1/account/export`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/zip");
    expect(res.headers.get("content-disposition")).toMatch(
      /^attachment; filename="statex-export-\d{4}-\d{2}-\d{2}\.zip"$/,
    );
    const files = await readZip(res);
    const names = Object.keys(files).sort();
    expect(names).toEqual(
      expect.arrayContaining([
        "README.txt",
        "profile.json",
        "sessions.json",
        "api-keys.json",
        "notifications.json",
        "webhooks.json",
        `submissions/${id}/submission.json`,
        `submissions/${id}/input.json`,
        `submissions/${id}/result.md`,
      ]),
    );
    expect(names.filter((n) => n.startsWith("submissions/") && n.endsWith("submission.json"))).toHaveLength(1);
    const profile = JSON.parse(strFromU8(files["profile.json"] as Uint8Array));
    expect(profile.email).toBe(email);
    expect(JSON.parse(strFromU8(files[`submissions/${id}/input.json`] as Uint8Array)).text).toBe(text);
    expect(strFromU8(files[`submissions/${id}/result.md`] as Uint8Array)).toMatch(/^# Analysis/);
    const sent = JSON.parse(strFromU8(files["notifications.json"] as Uint8Array));
    expect(sent).toEqual([
      expect.objectContaining({ submissionId: id, event: "submission.completed", status: "sent" }),
    ]);

    const everything = Object.values(files)
      .map((f) => strFromU8(f))
      .join("\n");
    expect(everything).not.toContain("pbkdf2-sha256");
    expect(everything).not.toContain(key);
    expect(everything).not.toContain("neighbour@example.com");
    const row = await env.DB.prepare("SELECT key_hash FROM api_keys LIMIT 1").first<{ key_hash: string }>();
    expect(everything).not.toContain(row?.key_hash ?? "no-hash");
  });

  it("needs the account:manage scope", async () => {
    const key = await apiKeyFor("scoped@example.com");
    const res = await exports.default.fetch(`${BASE}/v1/account/export`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });
});

describe("account deletion", () => {
  async function tablesWith(userId: string, submissionIds: string[]) {
    const counts: Record<string, number> = {};
    const q = async (name: string, sql: string, ...binds: unknown[]) => {
      counts[name] =
        (
          await env.DB.prepare(sql)
            .bind(...binds)
            .first<{ n: number }>()
        )?.n ?? -1;
    };
    const inList = submissionIds.map(() => "?").join(",") || "''";
    await q("users", "SELECT COUNT(*) AS n FROM users WHERE id = ?", userId);
    await q("sessions", "SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?", userId);
    await q("api_keys", "SELECT COUNT(*) AS n FROM api_keys WHERE user_id = ?", userId);
    await q("auth_tokens", "SELECT COUNT(*) AS n FROM auth_tokens WHERE user_id = ?", userId);
    await q("idempotency_keys", "SELECT COUNT(*) AS n FROM idempotency_keys WHERE user_id = ?", userId);
    await q("webhook_endpoints", "SELECT COUNT(*) AS n FROM webhook_endpoints WHERE user_id = ?", userId);
    await q(
      "webhook_deliveries",
      "SELECT COUNT(*) AS n FROM webhook_deliveries d LEFT JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE e.id IS NULL",
    );
    await q("submissions", "SELECT COUNT(*) AS n FROM submissions WHERE user_id = ?", userId);
    await q(
      "submission_steps",
      `SELECT COUNT(*) AS n FROM submission_steps WHERE submission_id IN (${inList})`,
      ...submissionIds,
    );
    await q(
      "notifications",
      `SELECT COUNT(*) AS n FROM notifications WHERE submission_id IN (${inList})`,
      ...submissionIds,
    );
    await q("ai_usage", `SELECT COUNT(*) AS n FROM ai_usage WHERE submission_id IN (${inList})`, ...submissionIds);
    return counts;
  }

  it("removes every row and object of the user, and nobody else's", async () => {
    const email = "leaving@example.com";
    const key = await apiKeyFor(email, { scopes: ["account:manage", "submissions:write", "submissions:read"] });
    const post = (text: string, extra: Record<string, string> = {}) =>
      exports.default.fetch(`${BASE}/v1/submissions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json", ...extra },
        body: JSON.stringify({ text }),
      });
    await exports.default.fetch(`${BASE}/v1/webhooks`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ url: "https://receiver.example/x", events: ["submission.failed"] }),
    });
    const ids: string[] = [];
    for (const text of ["First of mine. Please read.", "Second of mine. Please read too."]) {
      const res = await post(text, { "idempotency-key": `delete-test-${ids.length}` });
      expect(res.status).toBe(202);
      ids.push((await res.json<{ id: string }>()).id);
    }
    for (const id of ids) await waitForStatus(id, ["completed"]);
    const { id: keeperId } = await (
      await postSubmission({ text: "Stays. Belongs to someone else.", email: "stays@example.com" })
    ).json<{ id: string }>();
    await waitForStatus(keeperId, ["completed"]);

    // Work files of a job (large step outputs, transcripts) and uploads live under prefixes.
    await env.FILES.put(`work/${ids[0]}/steps/analyse.json`, "{}");
    await env.FILES.put(`files/${ids[0]}/fil_1`, "upload");
    const userId =
      (await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).first<{ id: string }>())?.id ?? "";
    const before = await tablesWith(userId, ids);
    expect(before.submissions).toBe(2);
    expect(before.notifications).toBe(2);
    expect(before.ai_usage).toBeGreaterThan(0);

    const wrong = await exports.default.fetch(`${BASE}/v1/account/delete`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ confirm: "someone@example.com" }),
    });
    expect(wrong.status).toBe(422);
    expect((await tablesWith(userId, ids)).users).toBe(1);

    const res = await exports.default.fetch(`${BASE}/v1/account/delete`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ confirm: email.toUpperCase() }),
    });
    expect(res.status).toBe(204);

    const after = await tablesWith(userId, ids);
    expect(Object.values(after).every((n) => n === 0)).toBe(true);
    expect((await env.FILES.list({ prefix: `work/${ids[0]}/` })).objects).toEqual([]);
    expect((await env.FILES.list({ prefix: `files/${ids[0]}/` })).objects).toEqual([]);
    for (const id of ids) {
      expect(await env.FILES.head(`inputs/${id}.json`)).toBeNull();
      expect(await env.FILES.head(`results/${id}.md`)).toBeNull();
    }
    // The key stops working; the other user's submission is untouched.
    const again = await exports.default.fetch(`${BASE}/v1/submissions`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(again.status).toBe(401);
    expect(await env.FILES.head(`results/${keeperId}.md`)).not.toBeNull();
    expect(
      (await env.DB.prepare("SELECT COUNT(*) AS n FROM submissions WHERE id = ?").bind(keeperId).first<{ n: number }>())
        ?.n,
    ).toBe(1);
  });
});
