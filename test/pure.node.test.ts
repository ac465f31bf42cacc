import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { summaryFromMarkdown, truncate } from "../shared/ai/provider";
import { newSubmissionId, SUBMISSION_ID_PATTERN, ulid } from "../shared/ids";
import { correlationIdFrom } from "../shared/log";
import { localYesterday, wallClock, zonedDayRange } from "../shared/notifications/zoned";

// Pure logic, run in plain Node for speed (no Workers runtime needed).

describe("ids", () => {
  it("makes submission ids that match the public pattern", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (ms) => {
        expect(newSubmissionId(ms)).toMatch(SUBMISSION_ID_PATTERN);
      }),
    );
  });

  it("sorts ULIDs by creation time", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 47 }), fc.integer({ min: 1, max: 2 ** 40 }), (a, gap) => {
        expect(ulid(a) < ulid(a + gap)).toBe(true);
      }),
    );
  });
});

describe("truncate", () => {
  it("never exceeds the limit and keeps short text as it is", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), fc.integer({ min: 2, max: 500 }), (text, max) => {
        const out = truncate(text, max);
        expect(out.length).toBeLessThanOrEqual(max);
        if (text.length <= max) expect(out).toBe(text);
        else expect(out.endsWith("…")).toBe(true);
      }),
    );
  });
});

describe("summaryFromMarkdown", () => {
  it("takes the first paragraph of the Summary section as plain text", () => {
    const md = "## Summary\n\nThe **core** issue is `latency`.\nIt grew.\n\nSecond paragraph.\n\n## Key points\n\n- a";
    expect(summaryFromMarkdown(md)).toBe("The core issue is latency. It grew.");
  });

  it("falls back to the first paragraph when there is no Summary heading", () => {
    expect(summaryFromMarkdown("# Title\n\nJust text here.\n\nMore.")).toBe("Just text here.");
  });
});

describe("correlationIdFrom", () => {
  it("keeps safe ids and replaces anything else", () => {
    expect(correlationIdFrom("abc-123_x.y:z")).toBe("abc-123_x.y:z");
    fc.assert(
      fc.property(fc.string(), (header) => {
        const id = correlationIdFrom(header);
        expect(id).toMatch(/^[A-Za-z0-9._:-]{1,128}$/);
      }),
    );
    expect(correlationIdFrom("a".repeat(129))).not.toBe("a".repeat(129));
  });
});

describe("the local demo seed", () => {
  it("holds password hashes and an API key hash that match the documented demo credentials", async () => {
    const { readFile } = await import("node:fs/promises");
    const { verifyPassword, sha256Hex } = await import("../shared/crypto");
    const sql = await readFile(new URL("../migrations/seed/demo.sql", import.meta.url), "utf8");
    const hashes = sql.match(/pbkdf2-sha256\$[^']+/g) ?? [];
    expect(hashes).toHaveLength(3);
    expect(await verifyPassword("demo-password", hashes[0] ?? "")).toBe(true);
    expect(await verifyPassword("admin-password", hashes[1] ?? "")).toBe(true);
    expect(await verifyPassword("staff-password", hashes[2] ?? "")).toBe(true);
    expect(await verifyPassword("wrong-password", hashes[0] ?? "")).toBe(false);
    expect(sql).toContain(await sha256Hex("sx_demo_local_development_key_not_for_production"));
  });
});

describe("the demo request waiting for review", () => {
  it("is seeded with the steps its policy runs and the length of its stored text", async () => {
    const { readFile } = await import("node:fs/promises");
    const { reviewPolicyFor, stepsFor } = await import("../shared/pipeline/workflows");
    const sql = await readFile(new URL("../migrations/seed/demo-review.sql", import.meta.url), "utf8");
    const input = JSON.parse(
      await readFile(new URL("../migrations/seed/demo-review-input.json", import.meta.url), "utf8"),
    ) as { id: string; text: string };
    const steps = [...sql.matchAll(/\('sub_01JF000000000000000000DEM1', '([a-z]+)', (\d+), 'pending', 0\)/g)];
    expect(steps.map((m) => m[1])).toEqual(stepsFor("reviewed", reviewPolicyFor("reviewed", {})));
    expect(steps.map((m) => Number(m[2]))).toEqual(steps.map((_, i) => i));
    expect(sql).toContain(`'demo@statex.localhost', ${input.text.length},`);
    expect(sql).toContain(`'inputs/${input.id}.json', 'reviewed', 'review'`);
  });
});

describe("log redaction", () => {
  it("never writes passwords, tokens, keys, cookies, signatures or raw bodies", async () => {
    const { createLogger } = await import("../shared/log");
    const lines: string[] = [];
    const original = console.log;
    console.log = (line: string) => lines.push(line);
    try {
      createLogger({ correlationId: "c1" }).info("sign-in", {
        email: "ada@example.com",
        password: "hunter2-hunter2",
        headers: {
          authorization: "Bearer sx_abcdefghijklmnopqrstuvwxyz123456",
          cookie: "statex_session=abc",
          "x-request-id": "r1",
        },
        apiKey: "sx_abcdefghijklmnopqrstuvwxyz123456",
        note: "the key sx_abcdefghijklmnopqrstuvwxyz123456 and secret whsec_c2VjcmV0c2VjcmV0c2VjcmV0 leaked",
        stored: "pbkdf2-sha256$100000$salt$hash",
        raw: "From: a@b\r\n\r\nmail body",
        webhook: { signature: "v1,abc", secret: "whsec_xyz" },
        error: new Error("upstream said Bearer abc.def.ghi"),
      });
    } finally {
      console.log = original;
    }
    const line = lines.join("\n");
    for (const secret of [
      "hunter2",
      "sx_abcdefghij",
      "statex_session=abc",
      "whsec_c2Vj",
      "mail body",
      "v1,abc",
      "abc.def.ghi",
      "$salt$hash",
    ]) {
      expect(line).not.toContain(secret);
    }
    const parsed = JSON.parse(line);
    expect(parsed.email).toBe("ada@example.com");
    expect(parsed.correlationId).toBe("c1");
    expect(parsed.headers["x-request-id"]).toBe("r1");
    expect(parsed.password).toBe("[redacted]");
    expect(parsed.error.message).toBe("upstream said Bearer [redacted]");
  });
});

describe("W3C trace context", () => {
  it("takes the trace id of a valid traceparent and refuses malformed ones", async () => {
    const { traceIdOf, traceparentFor } = await import("../shared/trace");
    const id = "4bf92f3577b34da6a3ce929d0e0e4736";
    expect(traceIdOf(`00-${id}-00f067aa0ba902b7-01`)).toBe(id);
    for (const bad of [
      `01-${id}-00f067aa0ba902b7-01`,
      `00-${"0".repeat(32)}-00f067aa0ba902b7-01`,
      `00-${id}-${"0".repeat(16)}-01`,
      `00-${id}-00f067aa0ba902b7`,
      "garbage",
      "",
    ]) {
      expect(traceIdOf(bad)).toBeNull();
    }
    expect(correlationIdFrom("client-id", `00-${id}-00f067aa0ba902b7-01`)).toBe(id);
    const child = traceparentFor(id) ?? "";
    expect(child).toMatch(new RegExp(`^00-${id}-[0-9a-f]{16}-01$`));
    expect(traceparentFor(id)).not.toBe(child);
    expect(traceparentFor("client-id")).toBeUndefined();
  });
});

describe("local days in a time zone (the digest)", () => {
  it("gives the wall clock, the previous local day and the day's bounds, across DST and half-hour zones", () => {
    const t = Date.parse("2026-03-29T05:30:00Z");
    expect(wallClock("Europe/Prague", t)).toEqual({ date: "2026-03-29", hour: 7, offsetMs: 2 * 3600_000 });
    expect(wallClock("Asia/Kolkata", t)).toMatchObject({ date: "2026-03-29", hour: 11, offsetMs: 5.5 * 3600_000 });
    expect(wallClock("Not/AZone", t)).toMatchObject({ hour: 5, offsetMs: 0 });
    expect(localYesterday("Pacific/Auckland", Date.parse("2026-06-30T20:00:00Z"))).toBe("2026-06-30");
    // Prague springs forward on 2026-03-29 (23 hours) and falls back on 2026-10-25 (25 hours).
    expect(zonedDayRange("2026-03-29", "Europe/Prague")).toEqual([
      Date.parse("2026-03-28T23:00:00Z"),
      Date.parse("2026-03-29T22:00:00Z"),
    ]);
    expect(zonedDayRange("2026-10-25", "Europe/Prague")).toEqual([
      Date.parse("2026-10-24T22:00:00Z"),
      Date.parse("2026-10-25T23:00:00Z"),
    ]);
    expect(zonedDayRange("2026-01-15", "UTC")).toEqual([
      Date.parse("2026-01-15T00:00:00Z"),
      Date.parse("2026-01-16T00:00:00Z"),
    ]);
  });
});
