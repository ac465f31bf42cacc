/**
 * The submission queries (shared/submissions/repo.ts) against the local D1 with every
 * migration applied: what each writes, whom each shows a row to, and the conditional updates
 * that keep concurrent jobs honest.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { db } from "../../shared/db/client";
import { newSubmissionId, ulid } from "../../shared/ids";
import { WORKFLOWS } from "../../shared/pipeline/workflows";
import type { StoredUpload } from "../../shared/submissions/files";
import {
  claimRunSlot,
  EXCERPT_CHARS,
  excerptOf,
  failIfUnfinished,
  findStalled,
  findSubmission,
  insertSubmission,
  listSubmissions,
  type NewSubmission,
} from "../../shared/submissions/repo";
import { submissionRow, uniqueEmail, userRow } from "../helpers/rows";

const d = db(env.DB);
const MINUTE = 60_000;

function upload(submissionId: string, n: number): StoredUpload {
  const id = `fil_${ulid()}`;
  return {
    id,
    key: `files/${submissionId}/${id}`,
    name: `file-${n}.txt`,
    contentType: "text/plain",
    size: n,
    sha256: "ab".repeat(32),
  };
}

function newSubmission(overrides: Partial<NewSubmission> = {}): NewSubmission {
  const now = Date.now();
  const id = overrides.id ?? newSubmissionId(now);
  return {
    id,
    userId: null,
    source: "api",
    email: uniqueEmail("insert"),
    textChars: 11,
    inputKey: `inputs/${id}.json`,
    correlationId: `corr-${id}`,
    now,
    ...overrides,
  };
}

const count = async (table: string, id: string) =>
  env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE submission_id = ?`).bind(id).first<number>("n");

describe("insertSubmission", () => {
  it("writes the queued row, its workflow's pending steps in order, and every file in position", async () => {
    const s = newSubmission({ workflow: "reviewed", excerpt: "Hello there" });
    // More files than one INSERT statement holds (nine columns each against D1's 100 parameters).
    const files = Array.from({ length: 12 }, (_, i) => upload(s.id, i + 1));
    await insertSubmission(d, { ...s, files });
    const found = await findSubmission(d, s.id);
    expect(found?.submission).toMatchObject({
      id: s.id,
      status: "queued",
      email: s.email,
      workflow: "reviewed",
      excerpt: "Hello there",
      createdAt: s.now,
      updatedAt: s.now,
      completedAt: null,
    });
    expect(found?.steps.map((step) => [step.name, step.position, step.status])).toEqual(
      WORKFLOWS.reviewed.map((name, position) => [name, position, "pending"]),
    );
    const { results } = await env.DB.prepare(
      "SELECT id, position FROM submission_files WHERE submission_id = ? ORDER BY position",
    )
      .bind(s.id)
      .all<{ id: string; position: number }>();
    expect(results).toEqual(files.map((f, position) => ({ id: f.id, position })));
  });

  it("defaults to the analyse workflow", async () => {
    const s = newSubmission();
    await insertSubmission(d, s);
    const found = await findSubmission(d, s.id);
    expect(found?.submission.workflow).toBe("analyse");
    expect(found?.steps.map((step) => step.name)).toEqual([...WORKFLOWS.analyse]);
  });

  it("writes nothing when any statement of the batch fails", async () => {
    const s = newSubmission();
    const file = upload(s.id, 1);
    // The second file row collides with the first: the whole batch is refused.
    await expect(insertSubmission(d, { ...s, files: [file, { ...file, name: "again.txt" }] })).rejects.toThrow();
    expect(await findSubmission(d, s.id)).toBeNull();
    expect(await count("submission_steps", s.id)).toBe(0);
    expect(await count("submission_files", s.id)).toBe(0);

    // A second insert of an existing id leaves the first one as it was.
    await insertSubmission(d, s);
    await expect(insertSubmission(d, { ...s, files: [upload(s.id, 2)] })).rejects.toThrow();
    expect(await count("submission_files", s.id)).toBe(0);
    expect(await count("submission_steps", s.id)).toBe(WORKFLOWS.analyse.length);
  });
});

describe("excerptOf", () => {
  it("collapses whitespace, trims, and keeps the first EXCERPT_CHARS characters", () => {
    expect(excerptOf("  Please\n\n summarise\tthis.  ")).toBe("Please summarise this.");
    expect(excerptOf("x".repeat(EXCERPT_CHARS + 50))).toHaveLength(EXCERPT_CHARS);
  });
});

describe("findSubmission", () => {
  it("shows a submission to its owner, an admin and internal callers, and to nobody else", async () => {
    const owner = await userRow();
    const stranger = await userRow();
    const admin = await userRow("admin");
    const id = await submissionRow({ user: owner });
    expect((await findSubmission(d, id, owner))?.submission.id).toBe(id);
    expect((await findSubmission(d, id, admin))?.submission.id).toBe(id);
    expect((await findSubmission(d, id))?.submission.id).toBe(id);
    // Someone else's id answers exactly like an unknown one.
    expect(await findSubmission(d, id, stranger)).toBeNull();
    expect(await findSubmission(d, newSubmissionId(), owner)).toBeNull();
  });

  it("answers a malformed id with null", async () => {
    const id = await submissionRow();
    for (const bad of ["", "nope", id.toLowerCase(), `${id}x`, id.replace("sub_", "usr_"), `${id.slice(0, -1)}'`]) {
      expect(await findSubmission(d, bad), bad).toBeNull();
    }
  });

  it("returns the steps by position", async () => {
    const s = newSubmission({ workflow: "transcribe" });
    await insertSubmission(d, s);
    // Written out of order: the read orders them.
    await env.DB.prepare("UPDATE submission_steps SET position = 10 - position WHERE submission_id = ?")
      .bind(s.id)
      .run();
    const found = await findSubmission(d, s.id);
    expect(found?.steps.map((step) => step.name)).toEqual([...WORKFLOWS.transcribe].reverse());
  });
});

describe("findStalled", () => {
  it("lists unfinished submissions untouched since `before`, oldest first, up to `limit`", async () => {
    // Far in the past, so rows of the other tests in this file (written now) are never older.
    const base = Date.UTC(2001, 0, 1);
    const oldest = await submissionRow({ status: "running", updatedAt: base });
    const older = await submissionRow({ status: "queued", updatedAt: base + MINUTE });
    await submissionRow({ status: "queued", updatedAt: base + 2 * MINUTE });
    await submissionRow({ status: "completed", updatedAt: base - MINUTE });
    await submissionRow({ status: "failed", updatedAt: base - MINUTE });
    await submissionRow({ status: "cancelled", updatedAt: base - MINUTE });
    await submissionRow({ status: "queued", updatedAt: base + 10 * MINUTE }); // not before the cut-off

    const before = base + 5 * MINUTE;
    const all = await findStalled(d, before, 10);
    expect(all.map((s) => s.id)).toHaveLength(3);
    expect(all[0]).toEqual({ id: oldest, correlationId: `corr-${oldest}`, status: "running" });
    expect(all.every((s) => s.status === "queued" || s.status === "running")).toBe(true);
    expect((await findStalled(d, before, 2)).map((s) => s.id)).toEqual([oldest, older]);
    // `before` is exclusive.
    expect((await findStalled(d, base, 10)).map((s) => s.id)).toEqual([]);
  });
});

describe("failIfUnfinished", () => {
  it("fails a queued or running submission with the reason and the time", async () => {
    for (const status of ["queued", "running"] as const) {
      const id = await submissionRow({ status });
      const now = Date.now() + 1000;
      expect(await failIfUnfinished(d, id, "gave up", now)).toBe(true);
      expect((await findSubmission(d, id))?.submission).toMatchObject({
        status: "failed",
        error: "gave up",
        updatedAt: now,
        completedAt: now,
      });
    }
  });

  it("leaves a finished submission as it is, and reports that nothing changed", async () => {
    for (const status of ["completed", "failed", "cancelled"] as const) {
      const id = await submissionRow({ status, completedAt: 1234 });
      const before = (await findSubmission(d, id))?.submission;
      expect(await failIfUnfinished(d, id, "too late", Date.now())).toBe(false);
      expect((await findSubmission(d, id))?.submission).toEqual(before);
    }
    expect(await failIfUnfinished(d, newSubmissionId(), "unknown", Date.now())).toBe(false);
  });
});

describe("listSubmissions", () => {
  it("pages through a viewer's own submissions, newest first, without repeats or gaps", async () => {
    const viewer = await userRow();
    const t0 = Date.now() - 60 * MINUTE;
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push(await submissionRow({ user: viewer, createdAt: t0 + i * MINUTE }));
    await submissionRow({ user: await userRow(), createdAt: t0 + 3 * MINUTE }); // someone else's
    const seen: string[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await listSubmissions(d, viewer, { limit: 3, before });
      expect(page.length).toBeLessThanOrEqual(3);
      seen.push(...page.map((s) => s.id));
      if (page.length < 3) break;
      before = page.at(-1)?.id;
    }
    expect(seen).toEqual([...ids].reverse());
  });

  it("filters by status", async () => {
    const viewer = await userRow();
    const done = await submissionRow({ user: viewer, status: "completed" });
    await submissionRow({ user: viewer, status: "queued" });
    expect((await listSubmissions(d, viewer, { limit: 10, status: "completed" })).map((s) => s.id)).toEqual([done]);
  });

  it("shows everyone's submissions with `all` to an admin only", async () => {
    const admin = await userRow("admin");
    const plain = await userRow();
    const other = await userRow();
    const adminsOwn = await submissionRow({ user: admin });
    const plainsOwn = await submissionRow({ user: plain });
    const others = await submissionRow({ user: other });
    const ids = async (viewer: typeof admin, all?: boolean) =>
      (await listSubmissions(d, viewer, { limit: 1000, all })).map((s) => s.id);
    expect(await ids(admin, true)).toEqual(expect.arrayContaining([adminsOwn, plainsOwn, others]));
    // Without `all`, an admin's list is their own.
    expect(await ids(admin)).toEqual([adminsOwn]);
    // `all` from anyone else is ignored.
    expect(await ids(plain, true)).toEqual([plainsOwn]);
  });
});

describe("claimRunSlot", () => {
  it("admits an owner's queued jobs up to the limit, and no further", async () => {
    const owner = uniqueEmail("slots");
    const [a, b, c] = [
      await submissionRow({ email: owner }),
      await submissionRow({ email: owner }),
      await submissionRow({ email: owner }),
    ];
    const now = Date.now();
    expect(await claimRunSlot(d, a, owner, 2, now)).toBe(true);
    expect(await claimRunSlot(d, b, owner, 2, now)).toBe(true);
    expect(await claimRunSlot(d, c, owner, 2, now)).toBe(false);
    expect((await findSubmission(d, c))?.submission.status).toBe("queued");
    expect((await findSubmission(d, a))?.submission).toMatchObject({ status: "running", updatedAt: now });
    // Another owner has a budget of their own.
    const someoneElse = uniqueEmail("slots-other");
    expect(await claimRunSlot(d, await submissionRow({ email: someoneElse }), someoneElse, 2, now)).toBe(true);
    // A slot freed by a finished job goes to the next.
    await env.DB.prepare("UPDATE submissions SET status = 'completed' WHERE id = ?").bind(a).run();
    expect(await claimRunSlot(d, c, owner, 2, now)).toBe(true);
  });

  it("counts a job admitted before as admitted, and never admits a finished one", async () => {
    const owner = uniqueEmail("slots-again");
    const running = await submissionRow({ email: owner, status: "running" });
    // The limit is used up by this very job: it was admitted earlier (its object restarted).
    expect(await claimRunSlot(d, running, owner, 1, Date.now())).toBe(true);
    const done = await submissionRow({ email: owner, status: "completed" });
    expect(await claimRunSlot(d, done, owner, 5, Date.now())).toBe(false);
    expect((await findSubmission(d, done))?.submission.status).toBe("completed");
    expect(await claimRunSlot(d, newSubmissionId(), owner, 5, Date.now())).toBe(false);
  });

  it("lets exactly `limit` of many concurrent claims win", async () => {
    const owner = uniqueEmail("slots-race");
    const ids = await Promise.all(Array.from({ length: 6 }, () => submissionRow({ email: owner })));
    const won = await Promise.all(ids.map((id) => claimRunSlot(d, id, owner, 2, Date.now())));
    expect(won.filter(Boolean)).toHaveLength(2);
    const running = await env.DB.prepare("SELECT COUNT(*) AS n FROM submissions WHERE email = ? AND status = 'running'")
      .bind(owner)
      .first<number>("n");
    expect(running).toBe(2);
  });
});
