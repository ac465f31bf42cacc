import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { apiKeyFor, BASE, postSubmission } from "./helpers/api";

const machine = (res: Response) => ({
  nosniff: res.headers.get("x-content-type-options"),
  csp: res.headers.get("content-security-policy"),
  frame: res.headers.get("x-frame-options"),
});
const expected = {
  nosniff: "nosniff",
  csp: expect.stringMatching(/^default-src 'none'; frame-ancestors 'none';.*sandbox$/),
  frame: "DENY",
};

describe("security headers on machine paths", () => {
  it("every /v1 answer — success, problem, unknown path — carries nosniff and a deny-all CSP", async () => {
    const key = await apiKeyFor("headers@example.com");
    const accepted = await postSubmission({ text: "Headers, please.", email: "headers@example.com" });
    expect(accepted.status).toBe(202);
    const list = await exports.default.fetch(`${BASE}/v1/submissions`, { headers: { authorization: `Bearer ${key}` } });
    const unauthorised = await exports.default.fetch(`${BASE}/v1/submissions`);
    const invalid = await exports.default.fetch(`${BASE}/v1/submissions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: "{not json",
    });
    const nowhere = await exports.default.fetch(`${BASE}/v1/nothing-here`);
    const spec = await exports.default.fetch(`${BASE}/openapi.json`);
    expect([accepted, list, unauthorised, invalid, nowhere, spec].map((r) => r.status)).toEqual([
      202, 200, 401, 400, 404, 200,
    ]);
    for (const res of [accepted, list, unauthorised, invalid, nowhere, spec]) expect(machine(res)).toEqual(expected);
  });

  it("portal pages keep their own CSP, which allows their own scripts", async () => {
    const res = await exports.default.fetch(`${BASE}/auth/signin`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(res.headers.get("content-security-policy")).not.toContain("sandbox");
  });

  it("a mistyped portal path is the site's 404 page with the portal's headers, not a 500", async () => {
    const res = await exports.default.fetch(`${BASE}/auth/sign-in-typo`);
    expect(res.status).toBe(404);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
  });
});
