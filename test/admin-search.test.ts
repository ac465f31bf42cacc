import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { appendAudit } from "../shared/audit";
import { db } from "../shared/db/client";
import { encodeCursor } from "../shared/fts";
import { failIfUnfinished } from "../shared/submissions/repo";
import { apiKeyFor, BASE, postSubmission } from "./helpers/api";
import { PortalClient } from "./helpers/client";
import { signedInAs } from "./helpers/session";

const adminKey = () => apiKeyFor("search-admin@example.com", { role: "admin", scopes: ["admin:read"] });

async function get(path: string, key?: string): Promise<Response> {
  return exports.default.fetch(`${BASE}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
}

async function json<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await get(path, await adminKey());
  return { status: res.status, body: (await res.json()) as T };
}

interface AdminSubmission {
  id: string;
  status: string;
  email: string;
  excerpt: string | null;
  error: string | null;
  snippet: string | null;
}
interface SubmissionPage {
  items: AdminSubmission[];
  nextCursor: string | null;
}
interface AuditPage {
  items: { id: number; action: string; targetId: string | null; snippet: string | null }[];
  nextCursor: string | null;
  nextBefore: number | null;
}

async function submit(text: string, email: string): Promise<string> {
  const res = await postSubmission({ text, email });
  expect(res.status).toBe(202);
  return (await res.json<{ id: string }>()).id;
}

/** Search texts that are FTS5 syntax, or break it, if passed through unquoted. */
const HOSTILE = [
  '"',
  '""',
  "*",
  "a*b",
  "NEAR(a b)",
  "turbine OR",
  "OR",
  "AND NOT",
  "-turbine",
  "excerpt:turbine",
  "{excerpt email}: x",
  "^turbine",
  "(turbine",
  "turbine)",
  "'; DROP TABLE submissions; --",
  "tur\u0000bine",
  "a + b",
  "🌬️ turbine",
  "\\",
];

describe("admin request-history search", () => {
  it("finds requests by words of their text, ignoring case and diacritics, best match first with a snippet", async () => {
    const owner = "search-owner@example.com";
    const hit = await submit(
      "The wind turbine in Plzeň makes a grinding noise. Turbine blade three is cracked.",
      owner,
    );
    const weaker = await submit("Quarterly invoice for the turbine maintenance contract.", owner);
    await submit("Nothing relevant here at all, only paperwork.", owner);

    const { status, body } = await json<SubmissionPage>("/v1/admin/submissions?q=TURBINE");
    expect(status).toBe(200);
    const ids = body.items.map((s) => s.id);
    expect(ids).toContain(hit);
    expect(ids).toContain(weaker);
    expect(ids).toHaveLength(2);
    // Two mentions rank above one.
    expect(ids[0]).toBe(hit);
    expect(body.items[0]?.snippet).toContain("<mark>turbine</mark>");
    expect(body.items[0]?.excerpt).toMatch(/^The wind turbine in Plzeň/);

    // Diacritics are ignored both ways.
    const plzen = await json<SubmissionPage>("/v1/admin/submissions?q=plzen");
    expect(plzen.body.items.map((s) => s.id)).toEqual([hit]);
    // Every word must match; a trailing * matches a prefix.
    expect(
      (await json<SubmissionPage>("/v1/admin/submissions?q=turbine%20invoice")).body.items.map((s) => s.id),
    ).toEqual([weaker]);
    expect((await json<SubmissionPage>("/v1/admin/submissions?q=grind*")).body.items.map((s) => s.id)).toEqual([hit]);
    // By id and by the owner's address.
    expect((await json<SubmissionPage>(`/v1/admin/submissions?q=${hit}`)).body.items.map((s) => s.id)).toEqual([hit]);
    const byOwner = await json<SubmissionPage>(
      `/v1/admin/submissions?owner=${encodeURIComponent("Search-Owner@Example.com")}`,
    );
    expect(byOwner.body.items).toHaveLength(3);
    expect(byOwner.body.items.every((s) => s.email === owner && s.snippet === null)).toBe(true);
  });

  it("keeps the index in step: status changes and failure reasons are searchable, deleted requests are gone", async () => {
    const owner = "search-sync@example.com";
    const id = await submit("Please check the hydraulic pump readings.", owner);
    expect(await failIfUnfinished(db(env.DB), id, "The AI service refused the request (HTTP 400).", Date.now())).toBe(
      true,
    );
    const failed = await json<SubmissionPage>("/v1/admin/submissions?q=refused%20hydraulic&status=failed");
    expect(failed.body.items.map((s) => s.id)).toEqual([id]);
    expect(failed.body.items[0]?.error).toMatch(/refused/);
    expect((await json<SubmissionPage>("/v1/admin/submissions?q=hydraulic&status=completed")).body.items).toEqual([]);

    await env.DB.prepare("DELETE FROM submissions WHERE id = ?").bind(id).run();
    expect((await json<SubmissionPage>("/v1/admin/submissions?q=hydraulic")).body.items).toEqual([]);
    // The external-content index agrees with its table.
    await env.DB.prepare(
      "INSERT INTO submissions_search(submissions_search, rank) VALUES ('integrity-check', 1)",
    ).run();
  });

  it("pages with an opaque cursor, by relevance and newest first, without repeats", async () => {
    const owner = "search-pages@example.com";
    const made = new Set<string>();
    for (let i = 0; i < 5; i++)
      made.add(await submit(`Gearbox report number ${i}. Gearbox oil ${"gearbox ".repeat(i)}`, owner));
    for (const sort of ["relevance", "newest"]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { status: number; body: SubmissionPage } = await json<SubmissionPage>(
          `/v1/admin/submissions?q=gearbox&limit=2&sort=${sort}${cursor ? `&cursor=${cursor}` : ""}`,
        );
        expect(page.status).toBe(200);
        expect(page.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.items.map((s) => s.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(new Set(seen)).toEqual(made);
      expect(seen).toHaveLength(5);
      if (sort === "newest") expect(seen).toEqual([...seen].sort().reverse());
    }
    // Without q, newest first over everything, also paged.
    const first = await json<SubmissionPage>(`/v1/admin/submissions?owner=${owner}&limit=3`);
    const second = await json<SubmissionPage>(
      `/v1/admin/submissions?owner=${owner}&limit=3&cursor=${first.body.nextCursor}`,
    );
    expect([...first.body.items, ...second.body.items].map((s) => s.id).sort()).toEqual([...made].sort());
    expect(second.body.nextCursor).toBeNull();
  });

  it("answers FTS5 syntax in the search text as plain words: never a 500", async () => {
    await submit("A windsock for the hostile-query test.", "search-hostile@example.com");
    for (const q of HOSTILE) {
      const res = await get(`/v1/admin/submissions?q=${encodeURIComponent(q)}`, await adminKey());
      expect([200, 400], `q=${JSON.stringify(q)} gave ${res.status}`).toContain(res.status);
      if (res.status === 400) {
        expect(res.headers.get("content-type")).toContain("application/problem+json");
        expect((await res.json<{ type: string }>()).type).toBe("/problems/bad-search");
      } else {
        await res.json();
      }
    }
    // Operators are plain text: "-windsock" finds the request (FTS5 would read a NOT), and
    // "windsock OR" needs a word "or" besides (FTS5 would read half an OR and fail).
    const minus = await json<SubmissionPage>(`/v1/admin/submissions?q=${encodeURIComponent("-windsock")}`);
    expect(minus.body.items).toHaveLength(1);
    const or = await json<SubmissionPage>(`/v1/admin/submissions?q=${encodeURIComponent("windsock OR")}`);
    expect(or.body.items).toHaveLength(0);
    const punctuation = await get("/v1/admin/submissions?q=%22%2A%28%29", await adminKey());
    expect(punctuation.status).toBe(400);
    const problem = await punctuation.json<{ type: string; detail: string }>();
    expect(problem).toMatchObject({ type: "/problems/bad-search" });
    const tooMany = await get(`/v1/admin/submissions?q=${encodeURIComponent("a ".repeat(13))}`, await adminKey());
    expect(tooMany.status).toBe(400);
    const tooLong = await get(`/v1/admin/submissions?q=${"x".repeat(201)}`, await adminKey());
    expect(tooLong.status).toBe(422);
  });

  it("refuses a cursor it did not issue with 400 problem+json", async () => {
    for (const cursor of [
      "not-base64!",
      btoa("[1]"),
      encodeCursor({ offset: -1 } as never),
      encodeCursor({ before: 5 }),
    ]) {
      const res = await get(`/v1/admin/submissions?cursor=${encodeURIComponent(cursor)}`, await adminKey());
      expect(res.status, cursor).toBe(400);
      expect((await res.json<{ type: string }>()).type).toBe("/problems/bad-search");
    }
  });

  it("exports the search as CSV that spreadsheets cannot run, and records the export", async () => {
    const owner = "search-csv@example.com";
    const id = await submit('=HYPERLINK("http://evil.test","click") windmill', owner);
    const res = await get("/v1/admin/submissions/export?q=windmill", await adminKey());
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const [header, row, end] = (await res.text()).split("\r\n");
    expect(header).toBe(
      "id,status,source,userId,email,workflow,textChars,excerpt,summary,error,aiProvider,correlationId,createdAt,updatedAt,completedAt,snippet",
    );
    expect(row).toMatch(new RegExp(`^${id},`));
    expect(row).toContain(`"'=HYPERLINK(""http://evil.test"",""click"") windmill"`);
    expect(row).not.toMatch(/,=/);
    expect(end).toBe("");
    const audit = await json<AuditPage>("/v1/admin/audit?action=admin.exported_submissions");
    expect(audit.body.items).toHaveLength(1);
  });

  it("is for admins only: 401 without a key, 403 without the scope, 404 for a non-admin", async () => {
    for (const path of ["/v1/admin/submissions", "/v1/admin/submissions/export", "/v1/admin/submissions?q=x"]) {
      const anonymous = await get(path);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get("content-type")).toContain("application/problem+json");
      const unscoped = await get(path, await apiKeyFor("search-unscoped@example.com", { role: "admin" }));
      expect(unscoped.status).toBe(403);
      const plain = await get(path, await apiKeyFor("search-nosy@example.com", { scopes: ["admin:read"] }));
      expect(plain.status).toBe(404);
    }
  });
});

describe("admin audit search with free text", () => {
  it("finds rows by action, ids and before/after words, ranked with a snippet, and pages", async () => {
    const d = db(env.DB);
    await appendAudit(d, {
      actorType: "system",
      action: "test.fulltext",
      targetType: "user",
      targetId: "usr_TARGET1",
      after: { note: "Zebra crossing repainted" },
    });
    await appendAudit(d, {
      actorType: "system",
      action: "test.fulltext",
      targetId: "usr_TARGET2",
      before: { note: "zebra" },
      after: { note: "zebra zebra" },
    });
    await appendAudit(d, { actorType: "system", action: "test.other", after: { note: "giraffe" } });

    const zebra = await json<AuditPage>("/v1/admin/audit?q=zebra");
    expect(zebra.status).toBe(200);
    expect(zebra.body.items.map((e) => e.targetId)).toEqual(["usr_TARGET2", "usr_TARGET1"]);
    expect(zebra.body.items[0]?.snippet).toContain("<mark>zebra</mark>");
    // Filters combine with the text.
    const filtered = await json<AuditPage>("/v1/admin/audit?q=zebra&targetId=usr_TARGET1");
    expect(filtered.body.items.map((e) => e.targetId)).toEqual(["usr_TARGET1"]);
    // An action's dotted name and an id are phrases.
    expect((await json<AuditPage>("/v1/admin/audit?q=test.other")).body.items.map((e) => e.action)).toEqual([
      "test.other",
    ]);
    expect((await json<AuditPage>("/v1/admin/audit?q=usr_TARGET2")).body.items).toHaveLength(1);
    // Paging by cursor, one at a time.
    const first = await json<AuditPage>("/v1/admin/audit?q=zebra&limit=1");
    expect(first.body.nextCursor).not.toBeNull();
    expect(first.body.nextBefore).toBeNull();
    const second = await json<AuditPage>(`/v1/admin/audit?q=zebra&limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((e) => e.targetId)).toEqual(["usr_TARGET1"]);
    expect(second.body.nextCursor).toBeNull();
    // Without q the cursor pages newest first, and nextBefore still works.
    const plain = await json<AuditPage>("/v1/admin/audit?action=test.fulltext&limit=1");
    expect(plain.body.nextBefore).toBe(plain.body.items[0] ? plain.body.items[0].id : -1);
    const next = await json<AuditPage>(`/v1/admin/audit?action=test.fulltext&limit=1&cursor=${plain.body.nextCursor}`);
    expect(next.body.items.map((e) => e.targetId)).toEqual(["usr_TARGET1"]);
  });

  it("leaves the chain verifiable and the trail append-only", async () => {
    const d = db(env.DB);
    await appendAudit(d, { actorType: "system", action: "test.chain", after: { word: "ocelot" } });
    const verdict = await json<{ ok: boolean }>("/v1/admin/audit/verify");
    expect(verdict.body.ok).toBe(true);
    await expect(env.DB.prepare("UPDATE audit_log SET action = 'x' WHERE action = 'test.chain'").run()).rejects.toThrow(
      /append-only/,
    );
    await expect(env.DB.prepare("DELETE FROM audit_log WHERE action = 'test.chain'").run()).rejects.toThrow(
      /append-only/,
    );
    expect((await json<AuditPage>("/v1/admin/audit?q=ocelot")).body.items).toHaveLength(1);
    await env.DB.prepare("INSERT INTO audit_search(audit_search, rank) VALUES ('integrity-check', 1)").run();
  });

  it("answers hostile search text with 200 or 400, never 500", async () => {
    for (const q of HOSTILE) {
      const res = await get(`/v1/admin/audit?q=${encodeURIComponent(q)}`, await adminKey());
      expect([200, 400], `q=${JSON.stringify(q)} gave ${res.status}`).toContain(res.status);
      await res.body?.cancel();
    }
    const bad = await get(`/v1/admin/audit?cursor=${encodeCursor({ before: "sub_x" })}`, await adminKey());
    expect(bad.status).toBe(400);
    // A relevance cursor means nothing to a newest-first list.
    const foreign = await get(`/v1/admin/audit?cursor=${encodeCursor({ offset: 50 })}`, await adminKey());
    expect(foreign.status).toBe(400);
    const submissions = await get(`/v1/admin/submissions?cursor=${encodeCursor({ offset: 50 })}`, await adminKey());
    expect(submissions.status).toBe(400);
  });
});

describe("admin portal search pages", () => {
  it("search the request history with a free-text box, highlight matches and escape hostile text", async () => {
    const id = await submit("<script>alert(1)</script> flamingo <b>bold</b>", "portal-search@example.com");
    const admin = await signedInAs("portal-search-admin@example.com", "admin");
    const html = await admin.page("/app/admin/requests?q=flamingo");
    expect(html).toContain(`/app/requests/${id}`);
    expect(html).toContain("<mark>flamingo</mark>");
    expect(html).not.toContain("<script>alert(1)");
    expect(html).toContain("&lt;script&gt;");
    expect(html).toContain('name="q"');
    // A search with nothing to look for is explained on the page.
    const bad = await admin.get("/app/admin/requests?q=%2A%2A");
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("no letters or digits");
    // CSV of the same search.
    const csv = await admin.get("/app/admin/requests.csv?q=flamingo");
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect((await csv.text()).split("\r\n")[1]).toMatch(new RegExp(`^${id},`));
    // The audit page has the box too.
    const audit = await admin.page("/app/admin/audit?q=flamingo");
    expect(audit).toContain('name="q"');
  });

  it("are not for non-admins", async () => {
    const user = await signedInAs("portal-plain@example.com");
    for (const path of ["/app/admin/requests", "/app/admin/requests.csv", "/app/admin/dashboard"]) {
      expect((await user.get(path)).status, path).toBe(404);
    }
    const anonymous = new PortalClient();
    expect((await anonymous.get("/app/admin/requests")).status).toBe(303);
  });
});
