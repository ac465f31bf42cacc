import { describe, expect, it } from "vitest";
import { base32, issueToken, MissingSigningKey, readToken, signText, verifyText } from "../shared/signing";

const KEY = "unit-test-signing-key";

describe("signed tokens", () => {
  it("round-trips a token and reports its subject and expiry", async () => {
    const now = 1_800_000_000_000;
    const token = await issueToken(KEY, "unsubscribe", "usr_1:email", 60_000, now);
    expect(await readToken(KEY, "unsubscribe", token, now + 59_000)).toEqual({
      status: "ok",
      subject: "usr_1:email",
      expires: now + 60_000,
    });
    expect(await readToken(KEY, "unsubscribe", token, now + 61_000)).toEqual({ status: "expired" });
  });

  it("refuses a token of another purpose, another key, or with any part changed", async () => {
    const token = await issueToken(KEY, "unsubscribe", "usr_1", 60_000);
    expect((await readToken(KEY, "email-confirm", token)).status).toBe("invalid");
    expect((await readToken("another-key", "unsubscribe", token)).status).toBe("invalid");
    const [subject, expiry, sig] = token.split(".") as [string, string, string];
    const later = (Number.parseInt(expiry, 36) + 86_400).toString(36);
    for (const forged of [
      `usr_2.${expiry}.${sig}`,
      `${subject}.${later}.${sig}`,
      `${subject}.${expiry}.${sig.slice(0, -1)}${sig.endsWith("A") ? "B" : "A"}`,
      `${subject}.${expiry}`,
      "",
      "a.b.c.d",
    ]) {
      expect((await readToken(KEY, "unsubscribe", forged)).status).toBe("invalid");
    }
    await expect(issueToken(KEY, "unsubscribe", "has.dot", 1000)).rejects.toThrow(/cannot contain/);
  });

  it("truncated base32 signatures survive case folding and still detect tampering", async () => {
    const sig = await signText(KEY, "email-thread", "sub_01ABC", { encoding: "base32", bytes: 10 });
    expect(sig).toMatch(/^[a-z2-7]{16}$/);
    expect(
      await verifyText(KEY, "email-thread", "sub_01ABC", sig.toUpperCase(), { encoding: "base32", bytes: 10 }),
    ).toBe(true);
    expect(await verifyText(KEY, "email-thread", "sub_01ABD", sig, { encoding: "base32", bytes: 10 })).toBe(false);
    expect(await verifyText(KEY, "review", "sub_01ABC", sig, { encoding: "base32", bytes: 10 })).toBe(false);
  });

  it("encodes base32 per RFC 4648 (lower case, no padding)", () => {
    const enc = (s: string) => base32(new TextEncoder().encode(s));
    expect(enc("f")).toBe("my");
    expect(enc("foobar")).toBe("mzxw6ytboi");
  });

  it("throws a named error when no key is configured", async () => {
    await expect(signText("", "review", "x")).rejects.toBeInstanceOf(MissingSigningKey);
  });
});
