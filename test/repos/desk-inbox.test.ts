/**
 * The desk's inbox query (`shared/desk/inbox.ts`) over rows written straight into D1: tabs and
 * their counts, assignee and channel filters, FTS search, each order, keyset paging that neither
 * repeats nor skips a row, and hostile query strings read as defaults or refused cleanly.
 * Every test tags its rows with a word of its own and searches for it, so tests sharing the
 * file's database stay apart.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { DeskStatus } from "../../shared/db/schema";
import { type InboxQuery, inboxPage, inboxQueryOf, tabCounts } from "../../shared/desk/inbox";
import { fillReply } from "../../shared/desk/saved-replies";
import { SearchSyntaxError } from "../../shared/fts";
import { newSubmissionId } from "../../shared/ids";
import { uniqueEmail, userRow } from "../helpers/rows";

let n = 0;
/** A word no other test's rows hold. */
const tagWord = () => `tag${Date.now().toString(36)}x${(n++).toString(36)}`;

interface Row {
  tag: string;
  desk?: DeskStatus;
  source?: "api" | "portal" | "email";
  assignee?: string | null;
  createdAt: number;
  lastCustomerAt?: number;
  lastMessageAt?: number;
  status?: string;
}

async function row(r: Row): Promise<string> {
  const id = newSubmissionId(r.createdAt);
  await env.DB.prepare(
    `INSERT INTO submissions (id, status, source, email, text_chars, excerpt, input_key, correlation_id, created_at,
       updated_at, desk_status, assignee_id, last_customer_at, last_message_at)
     VALUES (?, ?, ?, ?, 10, ?, ?, 'c', ?, ?, ?, ?, ?, ?)`,
  )
    .bind(
      id,
      r.status ?? "completed",
      r.source ?? "api",
      uniqueEmail("customer"),
      `Question about ${r.tag} and websites`,
      `inputs/${id}.json`,
      r.createdAt,
      r.createdAt,
      r.desk ?? "new",
      r.assignee ?? null,
      r.lastCustomerAt ?? r.createdAt,
      r.lastMessageAt ?? r.lastCustomerAt ?? r.createdAt,
    )
    .run();
  return id;
}

const query = (q: string, over: Partial<InboxQuery> = {}): InboxQuery => ({
  tab: "all",
  assignee: { kind: "any" },
  sort: "newest",
  q,
  ...over,
});

const T0 = Date.UTC(2026, 0, 1);
const h = 3600_000;

describe("the inbox query", () => {
  it("filters by tab, assignee and channel, and counts the tabs under the other filters", async () => {
    const tag = tagWord();
    const staff = await userRow("staff", "inbox");
    const a = await row({ tag, desk: "new", source: "email", createdAt: T0 });
    const b = await row({ tag, desk: "open", source: "portal", assignee: staff.id, createdAt: T0 + h });
    const c = await row({ tag, desk: "waiting", source: "api", assignee: staff.id, createdAt: T0 + 2 * h });
    const d = await row({ tag, desk: "resolved", source: "api", createdAt: T0 + 3 * h });
    const ids = async (over: Partial<InboxQuery>) => (await inboxPage(env.DB, query(tag, over))).rows.map((r) => r.id);

    expect(await ids({})).toEqual([d, c, b, a]);
    expect(await ids({ tab: "unresolved" })).toEqual([c, b, a]);
    expect(await ids({ tab: "waiting" })).toEqual([c]);
    expect(await ids({ assignee: { kind: "member", id: staff.id, me: true } })).toEqual([c, b]);
    expect(await ids({ assignee: { kind: "unassigned" } })).toEqual([d, a]);
    expect(await ids({ channel: "email" })).toEqual([a]);
    expect(await ids({ channel: "api", tab: "resolved" })).toEqual([d]);

    const page = await inboxPage(env.DB, query(tag, { assignee: { kind: "member", id: staff.id, me: true } }));
    expect(page.counts).toEqual({ new: 0, open: 1, waiting: 1, resolved: 0 });
    expect(tabCounts(page.counts)).toMatchObject({ unresolved: 2, all: 2 });
    const first = page.rows.find((r) => r.id === b);
    expect(first).toMatchObject({
      channel: "portal",
      deskStatus: "open",
      assigneeId: staff.id,
      assigneeEmail: staff.email,
    });
    expect(first?.snippet).toContain(tag);
  });

  it("orders by the customer waiting longest (those who wait on us first), newest, oldest and last activity", async () => {
    const tag = tagWord();
    const waitingOnUsLong = await row({ tag, desk: "open", createdAt: T0, lastCustomerAt: T0 + 5 * h });
    const waitingOnUsShort = await row({ tag, desk: "new", createdAt: T0 + h, lastCustomerAt: T0 + 6 * h });
    const theirTurn = await row({
      tag,
      desk: "waiting",
      createdAt: T0 + 2 * h,
      lastCustomerAt: T0,
      lastMessageAt: T0 + 9 * h,
    });
    const ids = async (sort: InboxQuery["sort"]) =>
      (await inboxPage(env.DB, query(tag, { sort }))).rows.map((r) => r.id);
    expect(await ids("waiting")).toEqual([waitingOnUsLong, waitingOnUsShort, theirTurn]);
    expect(await ids("newest")).toEqual([theirTurn, waitingOnUsShort, waitingOnUsLong]);
    expect(await ids("oldest")).toEqual([waitingOnUsLong, waitingOnUsShort, theirTurn]);
    expect(await ids("activity")).toEqual([theirTurn, waitingOnUsShort, waitingOnUsLong]);
  });

  it("pages by cursor in every order without repeating or skipping a row, ties included", async () => {
    const tag = tagWord();
    const made: string[] = [];
    // Seven rows, four sharing one customer time: the id must break the tie.
    for (let i = 0; i < 7; i++)
      made.push(
        await row({
          tag,
          desk: i % 2 ? "open" : "waiting",
          createdAt: T0 + i * h,
          lastCustomerAt: T0 + (i < 4 ? 0 : i) * h,
        }),
      );
    for (const sort of ["waiting", "newest", "oldest", "activity"] as const) {
      const all = (await inboxPage(env.DB, query(tag, { sort }), 50)).rows.map((r) => r.id);
      const paged: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 10; pages++) {
        const page = await inboxPage(env.DB, query(tag, { sort, cursor }), 3);
        paged.push(...page.rows.map((r) => r.id));
        if (!page.next) break;
        cursor = page.next;
      }
      expect(paged).toEqual(all);
      expect(new Set(paged)).toEqual(new Set(made));
    }
  });

  it("refuses a cursor it did not make, or one made for another order, as a bad search", async () => {
    const tag = tagWord();
    for (let i = 0; i < 3; i++) await row({ tag, createdAt: T0 + i * h });
    const { next } = await inboxPage(env.DB, query(tag, { sort: "newest" }), 1);
    expect(next).toBeTruthy();
    await expect(inboxPage(env.DB, query(tag, { sort: "oldest", cursor: next ?? "" }))).rejects.toBeInstanceOf(
      SearchSyntaxError,
    );
    const forged = [
      "not-base64!",
      btoa("[]"),
      btoa(JSON.stringify(["newest", ["1 OR 1=1"], "sub_x"])),
      btoa(JSON.stringify(["newest", [1e300], "sub_01JF000000000000000000DEM0"])),
      btoa(JSON.stringify(["newest", [1, 2], "sub_01JF000000000000000000DEM0"])),
      btoa(JSON.stringify({ __proto__: { polluted: 1 } })),
    ];
    for (const cursor of forged)
      await expect(inboxPage(env.DB, query(tag, { cursor }))).rejects.toBeInstanceOf(SearchSyntaxError);
  });

  it("searches hostile text as words: FTS syntax matches nothing extra, a text of no words is refused", async () => {
    const tag = tagWord();
    const id = await row({ tag, createdAt: T0 });
    for (const q of [`"${tag}`, `${tag} OR x`, `NEAR(${tag} x)`, `excerpt:${tag}`, `${tag}) AND (`, `-${tag}`]) {
      // Answered (no FTS5 error), and only ever with the one row that holds the word.
      const page = await inboxPage(env.DB, query(q));
      expect(page.rows.every((r) => r.id === id)).toBe(true);
    }
    expect((await inboxPage(env.DB, query(`"${tag}`))).rows.map((r) => r.id)).toEqual([id]);
    // `OR` is a word to match, not an operator: no row has "or" and "x" besides the tag.
    expect((await inboxPage(env.DB, query(`${tag} OR x`))).rows).toEqual([]);
    expect((await inboxPage(env.DB, query(`${tag.slice(0, -1)}*`))).rows.map((r) => r.id)).toContain(id);
    for (const q of ['"', "***", "() :^", "- - -"])
      await expect(inboxPage(env.DB, query(q))).rejects.toBeInstanceOf(SearchSyntaxError);
  });
});

describe("reading the inbox's query string", () => {
  const read = (params: Record<string, string>) => inboxQueryOf((k) => params[k], "usr_me");

  it("reads known values and falls back to the defaults for anything else", () => {
    expect(read({})).toEqual({ tab: "unresolved", assignee: { kind: "any" }, sort: "waiting" });
    expect(read({ status: "waiting", assignee: "me", channel: "email", sort: "oldest", q: "  budget " })).toEqual({
      tab: "waiting",
      assignee: { kind: "member", id: "usr_me", me: true },
      channel: "email",
      sort: "oldest",
      q: "budget",
    });
    expect(read({ assignee: "usr_other" }).assignee).toEqual({ kind: "member", id: "usr_other", me: false });
    for (const bad of [
      "constructor",
      "__proto__",
      "NEW",
      "all ",
      "'; DROP TABLE submissions; --",
      "x".repeat(10_000),
    ]) {
      expect(read({ status: bad, sort: bad, channel: bad, assignee: bad })).toEqual({
        tab: "unresolved",
        assignee: { kind: "any" },
        sort: "waiting",
      });
    }
  });

  it("cuts a huge search text and cursor instead of reading them whole", () => {
    const q = read({ q: "word ".repeat(100_000), cursor: "c".repeat(100_000) });
    expect(q.q?.length).toBeLessThanOrEqual(200);
    expect(q.cursor?.length).toBeLessThanOrEqual(400);
  });
});

describe("saved reply variables", () => {
  const context = {
    "customer.name": "Ada",
    "customer.email": "ada@example.com",
    "request.id": "sub_1",
    "agent.name": "Grace",
  };

  it("fills the known variables and leaves unknown ones as written, never evaluated", () => {
    expect(fillReply("Hi {{customer.name}} ({{ customer.email }}), re {{request.id}}. — {{agent.name}}", context)).toBe(
      "Hi Ada (ada@example.com), re sub_1. — Grace",
    );
    for (const unknown of [
      "{{customer.password}}",
      "{{constructor}}",
      "{{__proto__}}",
      "{{ 7*7 }}",
      "{{toString}}",
      "{{x}",
    ])
      expect(fillReply(`a ${unknown} b`, context)).toBe(`a ${unknown} b`);
    // A value that looks like a variable is not filled again.
    expect(fillReply("{{customer.name}}", { ...context, "customer.name": "{{agent.name}}" })).toBe("{{agent.name}}");
  });

  it("fills a long text of braces in one pass", () => {
    const text = `${"{{".repeat(50_000)}{{customer.name}}${"}}".repeat(50_000)}`;
    expect(fillReply(text, context)).toContain("Ada");
  });
});
