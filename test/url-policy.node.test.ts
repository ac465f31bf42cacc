import { describe, expect, it } from "vitest";
import { checkOutboundUrl } from "../shared/http/url-policy";
import { URL_SPELLINGS } from "./helpers/url-spellings";

describe("outbound URL host policy (Node's URL parser)", () => {
  it.each(URL_SPELLINGS)("%s → accepted: %s", (url, accepted) => {
    const verdict = checkOutboundUrl(url);
    expect(verdict.ok, verdict.ok ? "accepted" : verdict.reason).toBe(accepted);
  });

  it("allows loopback over http in development, and nothing else private", () => {
    const dev = { allowLoopback: true };
    expect(checkOutboundUrl("http://127.0.0.1:8788/hook", dev).ok).toBe(true);
    expect(checkOutboundUrl("http://localhost:3000/hook", dev).ok).toBe(true);
    expect(checkOutboundUrl("http://[::1]:3000/hook", dev).ok).toBe(true);
    expect(checkOutboundUrl("http://10.0.0.1/hook", dev).ok).toBe(false);
    expect(checkOutboundUrl("https://169.254.169.254/", dev).ok).toBe(false);
    expect(checkOutboundUrl("https://metadata.google.internal./", dev).ok).toBe(false);
    expect(checkOutboundUrl("http://example.com/hook", dev).ok).toBe(false);
  });

  it("checks a 100 kB hostile URL in linear time without throwing", () => {
    const long = `https://${"a.".repeat(50_000)}nip.io/`;
    expect(checkOutboundUrl(long).ok).toBe(false);
    expect(checkOutboundUrl(`https://[${"1:".repeat(20_000)}1]/`).ok).toBe(false);
  });
});
