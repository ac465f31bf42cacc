import { describe, expect, it } from "vitest";
import { authVerdict, parseAuthResults, skipsConfirmation } from "../shared/mail/routes/known-sender";
import { matchAddress, matchesRule } from "../shared/mail/routes/match";
import { addressInput, forwardRuleInput, routeInput } from "../shared/mail/routes/schema";

const entries = [
  { address: "sales@acme.example", routeId: "sales", plusTags: true },
  { address: "sales+eu@acme.example", routeId: "eu", plusTags: false },
  { address: "support@acme.example", routeId: "support", plusTags: false },
  { address: "*@acme.example", routeId: "catch", plusTags: true },
];

describe("matching an envelope recipient to an address", () => {
  it("prefers the exact address, then the address without its +tag, then the catch-all", () => {
    expect(matchAddress(entries, "sales@acme.example")?.entry.routeId).toBe("sales");
    expect(matchAddress(entries, "SALES+EU@Acme.Example")?.entry.routeId).toBe("eu");
    const tagged = matchAddress(entries, "sales+newsletter@acme.example");
    expect(tagged?.entry.routeId).toBe("sales");
    expect(tagged?.tag).toBe("newsletter");
    // support@ takes no tags: a tagged support address falls to the catch-all.
    expect(matchAddress(entries, "support+x@acme.example")?.entry.routeId).toBe("catch");
    expect(matchAddress(entries, "anyone@acme.example")?.entry.routeId).toBe("catch");
  });

  it("matches nothing at another domain, and nothing for what is not an address", () => {
    expect(matchAddress(entries, "sales@acme.example.evil")).toBeNull();
    expect(matchAddress(entries, "sales@other.example")).toBeNull();
    expect(matchAddress(entries, "no-at-sign")).toBeNull();
    expect(matchAddress(entries, "@acme.example")).toBeNull();
  });
});

describe("forwarding conditions", () => {
  const input = {
    recipient: "sales+eu@acme.example",
    address: "sales@acme.example",
    sender: "buyer@mail.customer.example",
    subject: "Invoice #42 — urgent",
  };
  const any = { matchAddress: null, matchSenderDomain: null, matchSubject: "", matchVerdict: null } as const;

  it("a rule without conditions matches every message", () => {
    expect(matchesRule(any, input)).toBe(true);
  });

  it("matches by alias, sender domain (subdomains included), subject words, each required", () => {
    expect(matchesRule({ ...any, matchAddress: "sales@acme.example" }, input)).toBe(true);
    expect(matchesRule({ ...any, matchAddress: "support@acme.example" }, input)).toBe(false);
    expect(matchesRule({ ...any, matchSenderDomain: "customer.example" }, input)).toBe(true);
    expect(matchesRule({ ...any, matchSenderDomain: "stomer.example" }, input)).toBe(false);
    expect(matchesRule({ ...any, matchSubject: "refund invoice" }, input)).toBe(true);
    expect(matchesRule({ ...any, matchSubject: "invo" }, input)).toBe(false);
    expect(matchesRule({ ...any, matchSubject: "invoice", matchSenderDomain: "other.example" }, input)).toBe(false);
  });

  it("a rule that needs a spam verdict matches only that verdict, and nothing while none is given", () => {
    expect(matchesRule({ ...any, matchVerdict: "spam" }, input)).toBe(false);
    expect(matchesRule({ ...any, matchVerdict: "spam" }, { ...input, verdict: "spam" })).toBe(true);
    expect(matchesRule({ ...any, matchVerdict: "ham" }, { ...input, verdict: "spam" })).toBe(false);
  });
});

describe("route definitions as the admin posts them", () => {
  const good = {
    name: "Sales",
    workflow: "analyse",
    reviewPolicy: "review",
    assigneeId: "",
    ackLocale: "cs",
    ackText: "Ozveme se\u0007 do dvou dnů.\r\n",
    enabled: "on",
  };

  it("accepts a complete definition and strips control characters from the text", () => {
    const parsed = routeInput.parse(good);
    expect(parsed).toMatchObject({ enabled: true, reviewPolicy: "review", ackText: "Ozveme se do dvou dnů." });
    expect(routeInput.parse({ ...good, enabled: "" }).enabled).toBe(false);
  });

  it("refuses unknown workflows, policies and languages, empty names and overlong text", () => {
    for (const bad of [
      { workflow: "delete-everything" },
      { reviewPolicy: "sometimes" },
      { ackLocale: "xx" },
      { name: "  " },
      { ackText: "x".repeat(2001) },
    ]) {
      expect(routeInput.safeParse({ ...good, ...bad }).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it("takes plain addresses, +tag addresses and catch-alls, nothing else", () => {
    for (const ok of ["sales@acme.example", "Sales+EU@acme.example", "*@acme.example"]) {
      expect(addressInput.safeParse({ address: ok, plusTags: "on" }).success, ok).toBe(true);
    }
    for (const bad of [
      "sales",
      "sales@",
      "@acme.example",
      "a b@acme.example",
      "sales@acme",
      "*x@acme.example",
      "..@a.example",
      `${"a".repeat(65)}@acme.example`,
    ]) {
      expect(addressInput.safeParse({ address: bad, plusTags: "" }).success, bad).toBe(false);
    }
  });

  it("refuses a forward to something that is not an address", () => {
    const rule = { matchAddress: "", matchSenderDomain: "", matchSubject: "", matchVerdict: "", stop: "" };
    expect(forwardRuleInput.safeParse({ ...rule, destination: "staff@acme.example" }).success).toBe(true);
    for (const bad of [
      "staff",
      "staff@",
      "staff@acme.example, evil@x.example",
      "<staff@acme.example>",
      "staff@acme.example\r\nBcc: x@y.z",
    ]) {
      expect(forwardRuleInput.safeParse({ ...rule, destination: bad }).success, bad).toBe(false);
    }
    expect(
      forwardRuleInput.safeParse({ ...rule, destination: "s@acme.example", matchSenderDomain: "not a domain" }).success,
    ).toBe(false);
    expect(forwardRuleInput.safeParse({ ...rule, destination: "s@acme.example", matchVerdict: "maybe" }).success).toBe(
      false,
    );
  });
});

describe("authentication results for known senders", () => {
  const trusted = ["mx.trusted.example"];
  it("reads the authserv-id and results, comments dropped", () => {
    const parsed = parseAuthResults(
      "mx.trusted.example (nested (comment)); spf=pass (sender ok) smtp.mailfrom=a@b.example; dmarc=pass header.from=b.example",
    );
    expect(parsed.authservId).toBe("mx.trusted.example");
    expect(parsed.results.map((r) => `${r.method}=${r.result}`)).toEqual(["spf=pass", "dmarc=pass"]);
  });

  it("passes DMARC only for the From domain, SPF only for an aligned envelope domain", () => {
    const from = "ada@b.example";
    expect(authVerdict("mx.trusted.example; dmarc=pass header.from=b.example", from, trusted)).toBe("pass");
    expect(authVerdict("mx.trusted.example; dmarc=pass header.from=evil.example", from, trusted)).toBe("fail");
    expect(
      authVerdict(
        "mx.trusted.example; dmarc=fail header.from=b.example; spf=pass smtp.mailfrom=b.example",
        from,
        trusted,
      ),
    ).toBe("fail");
    expect(authVerdict("mx.trusted.example; spf=pass smtp.mailfrom=bounce@mail.b.example", from, trusted)).toBe("pass");
    expect(authVerdict("mx.trusted.example; spf=pass smtp.mailfrom=b.example.evil", from, trusted)).toBe("fail");
    expect(authVerdict("mx.trusted.example; spf=softfail smtp.mailfrom=b.example", from, trusted)).toBe("fail");
    expect(authVerdict("mx.trusted.example; dkim=pass header.d=b.example", from, trusted)).toBe("none");
  });

  it("believes no header from an authserv-id not listed, and none at all when the list is empty", () => {
    const forged = "mx.forger.example; dmarc=pass header.from=b.example";
    expect(authVerdict(forged, "ada@b.example", trusted)).toBe("none");
    expect(authVerdict("mx.trusted.example; dmarc=pass header.from=b.example", "ada@b.example", [])).toBe("none");
    expect(authVerdict(undefined, "ada@b.example", trusted)).toBe("none");
  });

  it("reads a hostile 1 MB header in bounded work", () => {
    const huge = `mx.trusted.example; ${"(".repeat(500_000)}dmarc=pass header.from=b.example${";".repeat(500_000)}`;
    expect(authVerdict(huge, "ada@b.example", trusted)).not.toBe("pass");
  });

  it("skips confirmation only for a verified account that allows it, never on a failing result", () => {
    const verified = { emailVerifiedAt: 1, disabledAt: null };
    expect(skipsConfirmation(undefined, "pass").skip).toBe(false);
    expect(skipsConfirmation({ ...verified, knownSender: "off" }, "pass").skip).toBe(false);
    expect(skipsConfirmation({ ...verified, knownSender: "authenticated" }, "pass").skip).toBe(true);
    expect(skipsConfirmation({ ...verified, knownSender: "authenticated" }, "none").skip).toBe(false);
    expect(skipsConfirmation({ ...verified, knownSender: "always" }, "none").skip).toBe(true);
    expect(skipsConfirmation({ ...verified, knownSender: "always" }, "fail").skip).toBe(false);
    expect(skipsConfirmation({ emailVerifiedAt: null, disabledAt: null, knownSender: "always" }, "pass").skip).toBe(
      false,
    );
    expect(skipsConfirmation({ emailVerifiedAt: 1, disabledAt: 5, knownSender: "always" }, "pass").skip).toBe(false);
  });
});
