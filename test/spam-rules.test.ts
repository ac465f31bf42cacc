import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { parseMail } from "../shared/mail/parse";
import { senderHistory } from "../shared/mail/spam/history";
import {
  DEFAULT_SPAM_THRESHOLD,
  NO_HISTORY,
  type SenderHistory,
  scoreMail,
  spamThreshold,
} from "../shared/mail/spam/score";

/** A raw message: text, optional HTML alternative, optional attachments and extra headers. */
function raw(m: {
  from?: string;
  subject?: string;
  text?: string;
  html?: string;
  headers?: string[];
  files?: { name: string; type: string }[];
}): string {
  const head = [
    ...(m.headers ?? []),
    `From: ${m.from ?? "Jane Doe <jane@customer.example>"}`,
    "To: requests@statex.localhost",
    `Subject: ${m.subject ?? "A question"}`,
    `Message-ID: <${crypto.randomUUID()}@customer.example>`,
    "MIME-Version: 1.0",
  ];
  const parts = [
    ["Content-Type: text/plain; charset=utf-8", "", m.text ?? "Hello, could you help us with our website?"],
    ...(m.html ? [["Content-Type: text/html; charset=utf-8", "", m.html]] : []),
  ];
  const body = (boundary: string, blocks: string[][]) =>
    [...blocks.flatMap((b) => [`--${boundary}`, ...b]), `--${boundary}--`, ""].join("\r\n");
  let mime =
    parts.length === 1 ? parts[0] : ['Content-Type: multipart/alternative; boundary="alt"', "", body("alt", parts)];
  if (m.files?.length) {
    const files = m.files.map((f) => [
      `Content-Type: ${f.type}; name="${f.name}"`,
      `Content-Disposition: attachment; filename="${f.name}"`,
      "Content-Transfer-Encoding: base64",
      "",
      btoa("some bytes"),
    ]);
    mime = ['Content-Type: multipart/mixed; boundary="mix"', "", body("mix", [mime ?? [], ...files])];
  }
  return [...head, ...(mime ?? [])].join("\r\n");
}

async function score(m: Parameters<typeof raw>[0], options: { history?: SenderHistory; phrases?: string } = {}) {
  const mail = await parseMail(new TextEncoder().encode(raw(m)));
  return scoreMail(mail, { threshold: DEFAULT_SPAM_THRESHOLD, ...options });
}
const rules = (verdict: { reasons: { rule: string }[] }) => verdict.reasons.map((r) => r.rule);
const pointsOf = (verdict: { reasons: { rule: string; points: number }[] }, rule: string) =>
  verdict.reasons.filter((r) => r.rule === rule).reduce((s, r) => s + r.points, 0);

describe("a plain customer request", () => {
  it("scores 0 and is not spam", async () => {
    const verdict = await score({
      text: "Hello, we need a booking system for 3 rooms. See https://www.customer.example/rooms",
    });
    expect(verdict).toMatchObject({ score: 0, reasons: [], spam: false, threshold: 5 });
  });
});

describe("authentication results", () => {
  it("count failures from the topmost Authentication-Results, capped at 4", async () => {
    const verdict = await score({
      headers: ["Authentication-Results: mx.cloudflare.net; dkim=none; spf=fail smtp.mailfrom=x.example; dmarc=fail"],
    });
    expect(verdict.reasons).toEqual([expect.objectContaining({ rule: "authentication", points: 4 })]);
    expect(verdict.reasons[0]?.detail).toBe("spf=fail, dmarc=fail");
    expect(verdict.spam).toBe(false);
  });

  it("ignore headers below the topmost one (written by the sender) and a method that also passed", async () => {
    const lower = await score({
      headers: [
        "Authentication-Results: mx.cloudflare.net; spf=pass; dkim=pass",
        "Authentication-Results: forged; dmarc=fail",
      ],
    });
    expect(lower.score).toBe(0);
    const resigned = await score({
      headers: ["Authentication-Results: mx; dkim=fail header.d=list.example; dkim=pass header.d=customer.example"],
    });
    expect(resigned.score).toBe(0);
  });

  it("read Received-SPF and ARC-Authentication-Results when there is no Authentication-Results", async () => {
    const softfail = await score({ headers: ["Received-SPF: SoftFail (domain does not designate 192.0.2.1)"] });
    expect(softfail.reasons).toEqual([
      expect.objectContaining({ rule: "authentication", points: 1, detail: "spf=softfail" }),
    ]);
    const arc = await score({ headers: ["ARC-Authentication-Results: i=1; mx.cloudflare.net; dkim=fail"] });
    expect(pointsOf(arc, "authentication")).toBe(2);
  });
});

describe("content rules", () => {
  it("link density: five links in a few words, but not in a long request", async () => {
    const links = Array.from({ length: 5 }, (_, i) => `https://site${i}.example/`).join("\n");
    expect(rules(await score({ text: `Look:\n${links}` }))).toContain("link-density");
    const words = "We compared these sites and would like ours to work the same way for our customers. ".repeat(7);
    expect(rules(await score({ text: `${words}\n${links}` }))).not.toContain("link-density");
  });

  it("URL shorteners, by host only", async () => {
    expect(rules(await score({ text: "Details: https://bit.ly/3abc" }))).toContain("url-shortener");
    expect(rules(await score({ text: "Details: https://notbit.ly/3abc" }))).not.toContain("url-shortener");
  });

  it("a link whose text shows another site than its href, but not a wrapper that carries it", async () => {
    const phish = await score({
      html: '<p>Sign in at <a href="https://login.evil.example/x">https://www.paypal.com/signin</a></p>',
    });
    expect(phish.reasons).toContainEqual(
      expect.objectContaining({
        rule: "link-mismatch",
        points: 3,
        detail: "link shows www.paypal.com but goes to login.evil.example",
      }),
    );
    const safe = await score({
      html: '<a href="https://eur02.safelinks.protection.outlook.com/?url=https%3A%2F%2Fwww.customer.example%2F">www.customer.example</a> <a href="https://shop.customer.example/a">customer.example</a> <a href="https://x.example/">Read more</a>',
    });
    expect(rules(safe)).not.toContain("link-mismatch");
  });

  it("links to bare IP addresses", async () => {
    expect(rules(await score({ text: "Log in: http://198.51.100.7/bank" }))).toContain("ip-link");
  });

  it("attachments that run code weigh more than macro documents and web pages; documents weigh nothing", async () => {
    const one = async (name: string, type = "application/octet-stream") =>
      (await score({ files: [{ name, type }] })).reasons.map((r) => [r.rule, r.points]);
    expect(await one("invoice.pdf.exe")).toEqual([["executable-attachment", 4]]);
    expect(await one("scan.vbs")).toEqual([["executable-attachment", 4]]);
    expect(await one("tool", "application/x-msdownload")).toEqual([["executable-attachment", 4]]);
    expect(await one("Invoice.DOCM")).toEqual([["macro-attachment", 3]]);
    expect(await one("report.html", "text/html")).toEqual([["active-attachment", 2]]);
    expect(await one("offer.pdf", "application/pdf")).toEqual([]);
    expect(await one("budget.xlsx")).toEqual([]);
  });

  it("all-caps subject and body, not a short shouted word", async () => {
    const shouted = await score({
      subject: "FREE MONEY WAITING FOR YOU",
      text: "MAKE MONEY FROM HOME WITH ONLY TWENTY MINUTES A DAY, THOUSANDS ALREADY EARN EVERY DAY!",
    });
    expect(pointsOf(shouted, "all-caps")).toBe(3);
    expect(rules(await score({ subject: "URGENT", text: "Our site is down, please call me ASAP." }))).not.toContain(
      "all-caps",
    );
  });

  it("scam phrases in English and Czech, with or without diacritics, 2 points each up to 6", async () => {
    const cs = await score({ subject: "Upozornění", text: "Váš účet byl zablokován. Ověřte svůj účet zde." });
    expect(cs.reasons).toEqual([expect.objectContaining({ rule: "scam-phrase", points: 4 })]);
    const many = await score({
      text: "You have won! Claim your prize, pay the processing fee by Western Union to the next of kin.",
    });
    expect(pointsOf(many, "scam-phrase")).toBe(6);
    expect(many.spam).toBe(true);
    expect(rules(await score({ text: "Can you verify the numbers in our account report?" }))).not.toContain(
      "scam-phrase",
    );
  });

  it("SPAM_PHRASES adds phrases of several words; single words are not taken", async () => {
    const text = "Our crypto mixer launch party is next week, bring friends.";
    expect(rules(await score({ text }, { phrases: "crypto mixer launch|party" }))).toContain("scam-phrase");
    expect(rules(await score({ text }, { phrases: "party|launch" }))).not.toContain("scam-phrase");
  });

  it("a language StateX does not work in, once there is enough text to tell", async () => {
    const de =
      "Guten Tag, wir möchten unsere Website auch auf Tschechisch anbieten, weil wir immer mehr Kunden in Böhmen haben. Können Sie uns ein Angebot machen?";
    expect((await score({ text: de })).reasons).toEqual([expect.objectContaining({ rule: "language", points: 1 })]);
    const cs =
      "Dobrý den, potřebujeme nový web pro naše stavebniny a rádi bychom, aby zákazníci viděli dostupnost zboží na pobočkách. Můžete nám poslat nabídku?";
    expect(rules(await score({ text: cs }))).not.toContain("language");
    expect(rules(await score({ text: "Guten Tag!" }))).not.toContain("language");
  });

  it("a Reply-To at another domain than the sender's", async () => {
    expect(rules(await score({ headers: ["Reply-To: finance@elsewhere.example"] }))).toContain("reply-to");
    expect(rules(await score({ headers: ["Reply-To: jane@mail.customer.example"] }))).not.toContain("reply-to");
  });

  it("reads the HTML a reader sees when the text alternative says something else", async () => {
    const verdict = await score({
      text: "Hello",
      html: "<p>You have been selected. <b>Claim your reward</b> today.</p><script>var a='verify your account'</script>",
    });
    expect(verdict.reasons).toEqual([expect.objectContaining({ rule: "scam-phrase", points: 4 })]);
  });
});

describe("sender history", () => {
  it("weighs an address and a domain whose earlier mail was never confirmed", async () => {
    expect((await score({}, { history: { ...NO_HISTORY, addressExpired: 1 } })).reasons).toEqual([
      expect.objectContaining({ rule: "sender-history", points: 2 }),
    ]);
    const both = await score({}, { history: { ...NO_HISTORY, addressExpired: 3, domainExpiredSenders: 3 } });
    expect(pointsOf(both, "sender-history")).toBe(4);
    const confirmed = { addressExpired: 5, addressConfirmed: true, domainExpiredSenders: 9, domainConfirmed: true };
    expect((await score({}, { history: confirmed })).score).toBe(0);
  });

  it("is read from inbound_emails: expired rows per address and per domain, cleared by one confirmed message", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const domain = `flood-${tag}.example`;
    const rows: [string, string][] = [
      [`a@${domain}`, "expired"],
      [`a@${domain}`, "expired"],
      [`b@${domain}`, "expired"],
      [`c@${domain}`, "expired"],
      [`d@${domain}`, "expired"],
    ];
    for (const [i, [sender, status]] of rows.entries()) {
      await env.DB.prepare(
        "INSERT INTO inbound_emails (id, dedupe_key, sender, recipient, status, raw_size, correlation_id, created_at) VALUES (?, ?, ?, 'requests@statex.localhost', ?, 1, 'c', ?)",
      )
        .bind(`in_hist${tag}${i}`, `hist:${tag}:${i}`, sender, status, Date.now())
        .run();
    }
    expect(await senderHistory(env, `a@${domain}`)).toEqual({
      addressExpired: 2,
      addressConfirmed: false,
      domainExpiredSenders: 3,
      domainConfirmed: false,
    });
    expect(await senderHistory(env, `new@${domain}`)).toMatchObject({ addressExpired: 0, domainExpiredSenders: 3 });
    // `_` and `%` in a domain are literal: another domain they would match as a pattern is not counted.
    expect((await senderHistory(env, `x@flood_${tag}.example`)).domainExpiredSenders).toBe(0);
    await env.DB.prepare(
      "INSERT INTO inbound_emails (id, dedupe_key, sender, recipient, status, raw_size, correlation_id, created_at) VALUES (?, ?, ?, 'requests@statex.localhost', 'accepted', 1, 'c', ?)",
    )
      .bind(`in_hist${tag}ok`, `hist:${tag}:ok`, `e@${domain}`, Date.now())
      .run();
    expect((await senderHistory(env, `new@${domain}`)).domainConfirmed).toBe(true);
  });
});

describe("the threshold", () => {
  it("is SPAM_THRESHOLD when it is a positive number, else 5", () => {
    expect(spamThreshold({ SPAM_THRESHOLD: "8" })).toBe(8);
    expect(spamThreshold({ SPAM_THRESHOLD: "" })).toBe(5);
    expect(spamThreshold({ SPAM_THRESHOLD: "-1" })).toBe(5);
    expect(spamThreshold({ SPAM_THRESHOLD: "many" })).toBe(5);
  });
});
