import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAX_BOUNDARY_PADDING } from "../shared/http/multipart";
import { apiKeyFor, BASE } from "./helpers/api";

describe("hostile multipart bodies on the upload route", () => {
  it("answers padding past the cap after a boundary with 400 problem+json, and accepts a little padding", async () => {
    const key = await apiKeyFor("padder@example.com");
    const send = (padding: string) =>
      exports.default.fetch(`${BASE}/v1/submissions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "multipart/form-data; boundary=abc" },
        body: `--abc${padding}\r\nContent-Disposition: form-data; name="text"\r\n\r\nPlease summarise the padding report.\r\n--abc--\r\n`,
      });
    // 100 KiB of spaces: under the request limit, far over the padding cap.
    const padded = await send(" ".repeat(100 * 1024));
    expect(padded.status).toBe(400);
    expect(padded.headers.get("content-type")).toBe("application/problem+json");
    expect(await padded.json()).toMatchObject({
      type: "/problems/malformed-multipart",
      status: 400,
      detail: `The padding after a multipart boundary exceeds ${MAX_BOUNDARY_PADDING} bytes.`,
    });
    const fine = await send("  \t");
    expect(fine.status).toBe(202);
  });
});
