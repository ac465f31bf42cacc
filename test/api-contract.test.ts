import { exports } from "cloudflare:workers";
import { validate } from "@readme/openapi-parser";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { apiKeyFor, BASE, postSubmission, waitForStatus } from "./helpers/api";

describe("the OpenAPI document", () => {
  it("is valid OpenAPI 3.1 and documents every route's errors as problem+json", async () => {
    const res = await exports.default.fetch(`${BASE}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = await res.json<{
      openapi: string;
      info: { title: string; version: string };
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
    }>();
    expect(doc.openapi).toBe("3.1.0");
    const result = await validate(structuredClone(doc) as unknown as Parameters<typeof validate>[0]);
    expect(result.valid ? [] : result.errors).toEqual([]);
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) >= 400) {
            expect(Object.keys(response.content ?? {}), `${method} ${path} ${status}`).toEqual([
              "application/problem+json",
            ]);
          }
        }
      }
    }
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/submissions",
        "/v1/submissions/{id}",
        "/v1/submissions/{id}/result",
        "/v1/submissions/{id}/files/{fileId}",
      ]),
    );
  });

  it("documents multipart intake and the file download with their problem responses", async () => {
    const doc = await (await exports.default.fetch(`${BASE}/openapi.json`)).json<{
      paths: Record<
        string,
        Record<
          string,
          {
            requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> };
            responses: Record<string, unknown>;
          }
        >
      >;
    }>();
    const create = doc.paths["/v1/submissions"]?.post;
    expect(Object.keys(create?.requestBody?.content ?? {})).toEqual(["application/json", "multipart/form-data"]);
    expect(Object.keys(create?.requestBody?.content["multipart/form-data"]?.schema.properties ?? {})).toEqual([
      "text",
      "workflow",
      "files",
    ]);
    expect(Object.keys(create?.responses ?? {})).toEqual(
      expect.arrayContaining(["202", "400", "401", "403", "409", "413", "415", "422", "429"]),
    );
    const download = doc.paths["/v1/submissions/{id}/files/{fileId}"]?.get;
    expect(Object.keys(download?.responses ?? {})).toEqual(
      expect.arrayContaining(["200", "304", "401", "403", "404", "429"]),
    );
    // Documented once: the route that runs is hidden behind the documented one.
    expect(Object.keys(doc.paths["/v1/submissions"] ?? {}).filter((m) => m === "post")).toHaveLength(1);
  });
});

describe("GET /v1/submissions/{id}/result", () => {
  it("serves markdown by default and JSON when asked, with Vary: Accept", async () => {
    const res = await postSubmission({ text: "Summarise the audit. It found two issues in payroll." });
    const { id } = await res.json<{ id: string }>();
    await waitForStatus(id, ["completed"]);
    const key = await apiKeyFor();
    const md = await exports.default.fetch(`${BASE}/v1/submissions/${id}/result`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(md.status).toBe(200);
    expect(md.headers.get("content-type")).toBe("text/markdown; charset=utf-8");
    expect(md.headers.get("vary")).toBe("Accept");
    const text = await md.text();
    expect(text).toMatch(/^# Analysis/);

    const json = await exports.default.fetch(`${BASE}/v1/submissions/${id}/result`, {
      headers: { authorization: `Bearer ${key}`, accept: "application/json" },
    });
    expect(json.headers.get("content-type")).toMatch(/^application\/json/);
    const body = await json.json<{ id: string; markdown: string; provider: string }>();
    expect(body).toMatchObject({ id, markdown: text, provider: "local" });

    const ranked = await exports.default.fetch(`${BASE}/v1/submissions/${id}/result`, {
      headers: { authorization: `Bearer ${key}`, accept: "text/markdown, application/json;q=0.5" },
    });
    expect(ranked.headers.get("content-type")).toMatch(/^text\/markdown/);
  });

  it("answers 404 before the result exists and for someone else's submission", async () => {
    const res = await postSubmission({ text: "Owner only. Nobody else may read this." }, {});
    const { id } = await res.json<{ id: string }>();
    const other = await exports.default.fetch(`${BASE}/v1/submissions/${id}/result`, {
      headers: { authorization: `Bearer ${await apiKeyFor("stranger@example.com")}` },
    });
    expect(other.status).toBe(404);
    await waitForStatus(id, ["completed"]);
  });
});

describe("robustness", () => {
  it("never answers a random or malformed body with a 5xx", async () => {
    const key = await apiKeyFor("fuzz@example.com");
    const bodies = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.json({ maxDepth: 3 }),
      fc.record({ text: fc.anything({ maxDepth: 2 }) }, { requiredKeys: [] }).map((v) => JSON.stringify(v) ?? ""),
      fc
        .record(
          { text: fc.string({ maxLength: 200 }), extra: fc.anything({ maxDepth: 1 }) },
          { requiredKeys: ["text"] },
        )
        .map((v) => JSON.stringify(v) ?? ""),
      fc.uint8Array({ maxLength: 200 }).map((b) => new TextDecoder("latin1").decode(b)),
    );
    const contentTypes = fc.constantFrom(
      "application/json",
      "application/json; charset=utf-8",
      "text/plain",
      "multipart/form-data; boundary=x",
      "",
    );
    await fc.assert(
      fc.asyncProperty(bodies, contentTypes, async (body, contentType) => {
        const headers: Record<string, string> = { authorization: `Bearer ${key}` };
        if (contentType) headers["content-type"] = contentType;
        const res = await exports.default.fetch(`${BASE}/v1/submissions`, { method: "POST", headers, body });
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) expect(res.headers.get("content-type")).toBe("application/problem+json");
        await res.body?.cancel();
      }),
      { numRuns: 150 },
    );
  });

  it("never answers a random or malformed multipart body with a 5xx", async () => {
    const key = await apiKeyFor("fuzz-multipart@example.com");
    const enc = new TextEncoder();
    const magic = fc.constantFrom(
      "%PDF-1.4\n",
      "PK\u0003\u0004",
      "\u001aE\u00df\u00a3webm",
      "OggS",
      "RIFF\u0000\u0000\u0000\u0000WAVE",
      "ID3",
      "fLaC",
      "\u0000\u0000\u0000\u0018ftypM4A ",
      "",
    );
    const part = fc.record({
      name: fc.oneof(fc.constantFrom("text", "workflow", "files", "email", ""), fc.string({ maxLength: 20 })),
      filename: fc.option(
        fc.oneof(fc.constantFrom("../../x", "a\u0000b.pdf", "..", "", "ü.txt"), fc.string({ maxLength: 300 })),
      ),
      type: fc.option(
        fc.oneof(
          fc.constantFrom(
            "application/pdf",
            "text/plain",
            "audio/webm",
            "audio/wav",
            "image/png",
            "application/octet-stream",
          ),
          fc.string({ maxLength: 40 }),
        ),
      ),
      body: fc.tuple(magic, fc.uint8Array({ maxLength: 400 })),
    });
    const boundary = fc.stringMatching(/^[A-Za-z0-9'()+_,./:=?-]{1,70}$/);
    const corruption = fc.constantFrom("none", "truncate", "no-close", "garbage-header", "no-crlf");
    await fc.assert(
      fc.asyncProperty(boundary, fc.array(part, { maxLength: 6 }), corruption, fc.nat(), async (b, parts, how, cut) => {
        const chunks: Uint8Array[] = [];
        for (const p of parts) {
          const disposition = `form-data; name="${p.name.replace(/"/g, "")}"${p.filename === null ? "" : `; filename="${p.filename.replace(/"/g, "")}"`}`;
          const head =
            how === "garbage-header"
              ? `--${b}\r\n${p.name}\r\n\r\n`
              : `--${b}\r\nContent-Disposition: ${disposition}\r\n${p.type === null ? "" : `Content-Type: ${p.type}\r\n`}\r\n`;
          chunks.push(enc.encode(head), enc.encode(p.body[0]), p.body[1], enc.encode(how === "no-crlf" ? "" : "\r\n"));
        }
        if (how !== "no-close") chunks.push(enc.encode(`--${b}--\r\n`));
        let body = new Uint8Array(await new Blob(chunks).arrayBuffer());
        if (how === "truncate") body = body.subarray(0, cut % (body.length + 1));
        const res = await exports.default.fetch(`${BASE}/v1/submissions`, {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": `multipart/form-data; boundary="${b}"` },
          body,
        });
        expect(res.status, await res.clone().text()).toBeLessThan(500);
        if (res.status >= 400) expect(res.headers.get("content-type")).toBe("application/problem+json");
        await res.body?.cancel();
      }),
      { numRuns: 100 },
    );
  });
});
