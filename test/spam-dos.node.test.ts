import type { Email } from "postal-mime";
import { describe, expect, it } from "vitest";
import type { ParsedMail } from "../shared/mail/parse";
import { authFailures } from "../shared/mail/spam/auth";
import { MAX_LINKS, readHtml, shownHost, textLinks } from "../shared/mail/spam/links";
import { SCAN_LIMITS, scoreMail, spamInput } from "../shared/mail/spam/score";

/** `DEFAULT_MAX_MESSAGE_BYTES` of shared/mail/limits.ts: the most a hostile message can be. */
const INBOUND_LIMIT = 20 * 1024 * 1024;

/** A parsed message with hostile parts, as parse.ts would hand it over. */
function hostile(parts: {
  text?: string;
  html?: string;
  subject?: string;
  header?: string;
  files?: number;
}): ParsedMail {
  const headers = [
    { key: "authentication-results", value: parts.header ?? "mx; spf=pass" },
    ...Array.from({ length: 5000 }, (_, i) => ({ key: `x-filler-${i}`, value: "x" })),
  ];
  return {
    messageId: "m@x",
    from: "a@spam.example",
    fromName: "",
    subject: parts.subject ?? "Hello",
    inReplyTo: null,
    references: [],
    text: parts.text ?? "",
    fullText: parts.text ?? "",
    attachments: Array.from({ length: parts.files ?? 0 }, (_, i) => ({
      filename: `${"a".repeat(10_000)}-${i}.exe`,
      mimeType: "application/octet-stream",
      size: 1,
      content: new Uint8Array(1),
      inline: false,
    })),
    headers: new Map(headers.map((h) => [h.key, h.value])),
    email: { headers, html: parts.html, replyTo: [{ name: "", address: "b@elsewhere.example" }] } as unknown as Email,
  };
}

/** The same message with every part cut to what the scorer says it reads. */
function cut(mail: ParsedMail): ParsedMail {
  return {
    ...mail,
    fullText: mail.fullText.slice(0, SCAN_LIMITS.textChars),
    attachments: mail.attachments.slice(0, SCAN_LIMITS.attachments),
    email: {
      ...mail.email,
      html: mail.email.html?.slice(0, SCAN_LIMITS.htmlChars),
      headers: mail.email.headers.slice(0, SCAN_LIMITS.headers),
    },
  };
}

const fill = (unit: string, size = INBOUND_LIMIT) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

/** Inputs that make naive link, tag and token scanning quadratic or unbounded. */
const ATTACKS: Record<string, Parameters<typeof hostile>[0]> = {
  "a text of URLs": { text: fill("http://a.example/ ") },
  "one endless URL": { text: `http://${fill("a")}` },
  "dotted labels without a TLD": { text: fill("a.") },
  "capitals and letters": { text: fill("AAAA aaaa ") },
  "unclosed anchors": { html: fill('<a href="http://x.example/">www.y.example ') },
  "anchors under 25,000 unclosed divs": {
    html: `${fill("<div>", 125_000)}${fill('<a href="http://1.2.3.4/">paypal.com</a>', INBOUND_LIMIT)}`,
  },
  "an endless tag": { html: `<a href="${fill("x")}` },
  "an endless comment and script": { html: `<script>${fill("<!--")}` },
  "an endless authentication header": { header: fill("spf=fail dkim=softfail ") },
  "a thousand programs attached": { files: 1000 },
};

describe("the spam scorer on hostile input", () => {
  for (const [name, parts] of Object.entries(ATTACKS)) {
    it(`reads no more than its scan limits of ${name}`, () => {
      const mail = hostile(parts);
      const input = spamInput(mail);
      expect(input.text.length).toBeLessThanOrEqual(2 * SCAN_LIMITS.textChars);
      expect(input.html.length).toBeLessThanOrEqual(SCAN_LIMITS.htmlChars);
      expect(input.links.length).toBeLessThanOrEqual(MAX_LINKS);
      expect(input.headers.length).toBeLessThanOrEqual(SCAN_LIMITS.headers);
      expect(input.attachments.length).toBeLessThanOrEqual(SCAN_LIMITS.attachments);
      // Whatever lies past the limits changes nothing: the verdict is the cut message's.
      expect(scoreMail(mail, { threshold: 5 })).toEqual(scoreMail(cut(mail), { threshold: 5 }));
    });
  }

  it("keeps at most MAX_LINKS links and bounded shown texts from HTML and text", () => {
    const { links, text } = readHtml(fill('<a href="http://x.example/">y</a>', SCAN_LIMITS.htmlChars), 1000);
    expect(links).toHaveLength(MAX_LINKS);
    expect(text.length).toBeLessThanOrEqual(1000);
    expect(textLinks(fill("http://a.example/ ", SCAN_LIMITS.textChars))).toHaveLength(MAX_LINKS);
    const long = readHtml(`<a href="http://x.example/">${fill("word ", 100_000)}</a>`, 10).links[0];
    expect(long?.shown?.length).toBeLessThanOrEqual(200);
  });

  it("reads a host from link text without backtracking over dotted tokens", () => {
    expect(shownHost(`${fill("a.", 10_000)}1`)).toBeNull();
    expect(shownHost(`${fill("a-", 10_000)}.com`)).toMatch(/\.com$/);
    expect(shownHost("see https://www.paypal.com/signin now")).toBe("www.paypal.com");
  });

  it("reads authentication results from the first 4 KiB of a header only", () => {
    const late = `${fill("x", 8192)} dmarc=fail`;
    expect(authFailures(late).size).toBe(0);
    expect(authFailures("mx; dmarc=fail (p=reject)")).toEqual(new Map([["dmarc", "fail"]]));
  });
});
