import { env, exports } from "cloudflare:workers";
import { strFromU8, unzipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { createLogger } from "../shared/log";
import { acceptSubmissionWithFiles } from "../shared/submissions/accept";
import { storeSubmissionFile } from "../shared/submissions/files";
import { apiKeyFor, BASE, waitForStatus } from "./helpers/api";
import { hiddenField } from "./helpers/client";
import { minimalDocx, minimalPdf, noise, sha256Hex, wav, webmHeader } from "./helpers/files";
import { expectProblem } from "./helpers/problem";
import { signedInAs } from "./helpers/session";

const FILE_MAX = Number(env.UPLOAD_MAX_FILE_BYTES);
const REQUEST_MAX = Number(env.UPLOAD_MAX_REQUEST_BYTES);

interface FileView {
  id: string;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  links: { download: string };
}

function form(
  text: string | null,
  files: [string, Uint8Array | string, string?][],
  extra: Record<string, string> = {},
) {
  const fd = new FormData();
  if (text !== null) fd.append("text", text);
  for (const [k, v] of Object.entries(extra)) fd.append(k, v);
  for (const [name, bytes, type] of files) fd.append("files", new File([bytes], name, type ? { type } : {}));
  return fd;
}

async function upload(fd: FormData, opts: { email?: string; headers?: Record<string, string> } = {}) {
  return exports.default.fetch(`${BASE}/v1/submissions`, {
    method: "POST",
    headers: { authorization: `Bearer ${await apiKeyFor(opts.email ?? "uploader@example.com")}`, ...opts.headers },
    body: fd,
  });
}

/** Everything intake could have written: submission rows, file rows, and R2 objects. */
async function stored() {
  const row = await env.DB.prepare(
    "SELECT (SELECT COUNT(*) FROM submissions) AS submissions, (SELECT COUNT(*) FROM submission_files) AS files",
  ).first<{ submissions: number; files: number }>();
  const [inputs, files] = await Promise.all([
    env.FILES.list({ prefix: "inputs/" }),
    env.FILES.list({ prefix: "files/" }),
  ]);
  return { ...row, inputs: inputs.objects.length, objects: files.objects.length };
}

describe("multipart POST /v1/submissions", () => {
  it("stores a PDF, a DOCX, a text file and a WAV, extracts and analyses them to completed", async () => {
    const pdf = minimalPdf("The PDF report mentions conveyor belts.");
    const docx = minimalDocx(["The Word memo mentions hydraulic presses."]);
    const audio = wav(0.25);
    const res = await upload(
      form(
        "Summarise the attached maintenance papers.",
        [
          ["report.pdf", pdf, "application/pdf"],
          ["memo.docx", docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
          ["notes.txt", "Plain notes mention the forklift schedule.", "text/plain"],
          ["voice.wav", audio, "audio/wav"],
        ],
        { workflow: "analyse" },
      ),
    );
    expect(res.status).toBe(202);
    const { id } = await res.json<{ id: string }>();
    const done = await waitForStatus(id, ["completed", "failed"]);
    expect(done.error).toBeNull();
    expect(done.status).toBe("completed");
    expect(done.steps.map((s) => [s.name, s.status])).toEqual([
      ["gather", "done"],
      ["transcribe", "done"],
      ["extract", "done"],
      ["retrieve", "done"],
      ["analyse", "done"],
      ["compose", "done"],
      ["notify", "done"],
    ]);
    const documents = await env.FILES.get(`work/${id}/documents.md`);
    const text = (await documents?.text()) ?? "";
    expect(text).toContain("conveyor belts");
    expect(text).toContain("hydraulic presses");
    expect(text).toContain("forklift schedule");
    expect(done.result?.markdown).toContain("voice.wav");

    // The API view lists the files with their checksums, in the order sent.
    const view = await exports.default.fetch(`${BASE}/v1/submissions/${id}`, {
      headers: { authorization: `Bearer ${await apiKeyFor("uploader@example.com")}` },
    });
    const { files } = await view.json<{ files: FileView[] }>();
    expect(files.map((f) => [f.name, f.contentType, f.size])).toEqual([
      ["report.pdf", "application/pdf", pdf.length],
      ["memo.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", docx.length],
      ["notes.txt", "text/plain", 42],
      ["voice.wav", "audio/wav", audio.length],
    ]);
    expect(files[0]?.sha256).toBe(await sha256Hex(pdf));
    expect(files[3]?.sha256).toBe(await sha256Hex(audio));
    for (const f of files) {
      expect(f.id).toMatch(/^fil_[0-9A-HJKMNP-TV-Z]{26}$/);
      expect(f.links.download).toBe(`/v1/submissions/${id}/files/${f.id}`);
      expect(await env.FILES.head(`files/${id}/${f.id}`)).not.toBeNull();
    }
  });

  it("runs the transcribe workflow on a WebM voice note and takes the type from the content when none is sent", async () => {
    const res = await upload(
      form("Transcribe my voice note.", [["note.webm", webmHeader(2048), "application/octet-stream"]], {
        workflow: "transcribe",
      }),
    );
    expect(res.status).toBe(202);
    const { id } = await res.json<{ id: string }>();
    const done = await waitForStatus(id, ["completed", "failed"]);
    expect(done.status).toBe("completed");
    expect(done.files?.[0]?.contentType).toBe("audio/webm");
    expect(done.result?.markdown).toContain("note.webm");
  });

  it("downloads a file with attachment headers, its ETag and the exact bytes", async () => {
    const bytes = minimalPdf("Download me exactly.");
    const res = await upload(form("Keep this PDF.", [["Bericht über Q3 — final.pdf", bytes, "application/pdf"]]));
    const { id } = await res.json<{ id: string }>();
    const view = await (
      await exports.default.fetch(`${BASE}/v1/submissions/${id}`, {
        headers: { authorization: `Bearer ${await apiKeyFor("uploader@example.com")}` },
      })
    ).json<{ files: FileView[] }>();
    const file = view.files[0] as FileView;
    const dl = await exports.default.fetch(`${BASE}${file.links.download}`, {
      headers: { authorization: `Bearer ${await apiKeyFor("uploader@example.com")}` },
    });
    expect(dl.status).toBe(200);
    expect(dl.headers.get("content-type")).toBe("application/pdf");
    expect(dl.headers.get("content-length")).toBe(String(bytes.length));
    expect(dl.headers.get("x-content-type-options")).toBe("nosniff");
    expect(dl.headers.get("cache-control")).toBe("private, no-cache");
    expect(dl.headers.get("etag")).toBe(`"${await sha256Hex(bytes)}"`);
    expect(dl.headers.get("content-disposition")).toBe(
      `attachment; filename="Bericht _ber Q3 _ final.pdf"; filename*=UTF-8''Bericht%20%C3%BCber%20Q3%20%E2%80%94%20final.pdf`,
    );
    const got = new Uint8Array(await dl.arrayBuffer());
    expect(await sha256Hex(got)).toBe(file.sha256);
    expect(got).toEqual(bytes);

    const again = await exports.default.fetch(`${BASE}${file.links.download}`, {
      headers: {
        authorization: `Bearer ${await apiKeyFor("uploader@example.com")}`,
        "if-none-match": `"${file.sha256}"`,
      },
    });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
    await waitForStatus(id, ["completed"]);
  });

  it("answers another user's file, an unknown file id and a malformed one with 404", async () => {
    const res = await upload(form("Private papers.", [["secret.txt", "Only mine.", "text/plain"]]));
    const { id } = await res.json<{ id: string }>();
    const fileId = (
      await env.DB.prepare("SELECT id FROM submission_files WHERE submission_id = ?").bind(id).first<{ id: string }>()
    )?.id;
    const stranger = await exports.default.fetch(`${BASE}/v1/submissions/${id}/files/${fileId}`, {
      headers: { authorization: `Bearer ${await apiKeyFor("stranger@example.com")}` },
    });
    await expectProblem(stranger, 404, "/problems/not-found");
    const owner = `Bearer ${await apiKeyFor("uploader@example.com")}`;
    for (const wrong of ["fil_01JD6Z7Q4YVQ2B3K9M5N8P0R1S", "..%2F..%2Finputs", "x".repeat(300)]) {
      const r = await exports.default.fetch(`${BASE}/v1/submissions/${id}/files/${wrong}`, {
        headers: { authorization: owner },
      });
      expect(r.status, wrong).toBe(404);
    }
    // A file id of another submission, even the owner's own, is not a file of this one.
    const other = await upload(form("Second.", [["b.txt", "Second file.", "text/plain"]]));
    const { id: otherId } = await other.json<{ id: string }>();
    const mixed = await exports.default.fetch(`${BASE}/v1/submissions/${otherId}/files/${fileId}`, {
      headers: { authorization: owner },
    });
    expect(mixed.status).toBe(404);
    await waitForStatus(id, ["completed"]);
    await waitForStatus(otherId, ["completed"]);
  });

  it("stores a file named ../../x under its own id, with a safe name", async () => {
    const res = await upload(
      form("Path tricks.", [
        ["../../x", "Not a path.", "text/plain"],
        ["..\\..\\evil\u202Etxt.md", "# Heading", "text/markdown"],
        [`${"n".repeat(300)}.txt`, "Long name.", "text/plain"],
      ]),
    );
    expect(res.status).toBe(202);
    const { id } = await res.json<{ id: string }>();
    const { results } = await env.DB.prepare(
      "SELECT id, name, key FROM submission_files WHERE submission_id = ? ORDER BY position",
    )
      .bind(id)
      .all<{ id: string; name: string; key: string }>();
    expect(results.map((r) => r.name)).toEqual(["x", "eviltxt.md", `${"n".repeat(196)}.txt`]);
    for (const r of results) expect(r.key).toBe(`files/${id}/${r.id}`);
    const keys = (await env.FILES.list({ prefix: "" })).objects.map((o) => o.key);
    expect(keys.filter((k) => !/^(inputs|files|results|work)\/sub_/.test(k))).toEqual([]);
    await waitForStatus(id, ["completed"]);
  });

  it(`rejects a file over the per-file limit with 413 and leaves nothing in R2 or D1`, async () => {
    const before = await stored();
    const res = await upload(
      form("Too big.", [
        ["ok.txt", "A small file first, stored before the big one arrives.", "text/plain"],
        ["big.wav", new Uint8Array([...wav(0.01), ...noise(FILE_MAX)]), "audio/wav"],
      ]),
    );
    const problem = await expectProblem(res, 413, "/problems/payload-too-large");
    expect(problem.detail).toContain("big.wav");
    expect(problem.detail).toContain(String(FILE_MAX));
    expect(await stored()).toEqual(before);
  });

  it("rejects a request over the per-request limit with 413 and leaves nothing in R2 or D1", async () => {
    const before = await stored();
    const each = Math.floor(FILE_MAX * 0.9);
    const files = Array.from({ length: Math.ceil(REQUEST_MAX / each) + 1 }, (_, i) => [
      `part-${i}.wav`,
      new Uint8Array([...wav(0.01), ...noise(each, i + 1)]),
      "audio/wav",
    ]) as [string, Uint8Array, string][];
    // Four files, each under the file limit, together over the request limit; sent as a
    // stream without Content-Length, so the limit is enforced while reading.
    const probe = new Request("http://x", { method: "POST", body: form("Many files.", files.slice(0, 4)) });
    const res = await exports.default.fetch(`${BASE}/v1/submissions`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await apiKeyFor("uploader@example.com")}`,
        "content-type": probe.headers.get("content-type") ?? "",
      },
      body: probe.body,
    });
    const problem = await expectProblem(res, 413, "/problems/payload-too-large");
    expect(problem.detail).toContain(String(REQUEST_MAX));
    expect(await stored()).toEqual(before);

    // With a Content-Length over the limit, refused before reading anything.
    const declared = await upload(form("Many files.", files.slice(0, 4)));
    expect(declared.status).toBe(413);
    expect(await stored()).toEqual(before);
  });

  it("rejects more files than allowed with 413", async () => {
    const before = await stored();
    const many = Array.from({ length: Number(env.UPLOAD_MAX_FILES) + 1 }, (_, i) => [
      `n${i}.txt`,
      `note ${i}`,
      "text/plain",
    ]) as [string, string, string][];
    const problem = await expectProblem(await upload(form("Many.", many)), 413, "/problems/payload-too-large");
    expect(problem.detail).toContain(`at most ${env.UPLOAD_MAX_FILES} files`);
    expect(await stored()).toEqual(before);
  });

  it("rejects a file whose declared type lies about its content with 415, storing nothing", async () => {
    const before = await stored();
    const lies: [string, Uint8Array | string, string][] = [
      ["invoice.pdf", "This is plain text, not a PDF.", "application/pdf"],
      ["song.mp3", minimalPdf("A PDF posing as audio."), "audio/mpeg"],
      ["notes.txt", noise(512), "text/plain"],
      [
        "memo.docx",
        new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...noise(200)]),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      ],
    ];
    for (const lie of lies) {
      const res = await upload(form("Lying file.", [["fine.txt", "A fine file first.", "text/plain"], lie]));
      const problem = await expectProblem(res, 415, "/problems/unsupported-media-type");
      expect(problem.detail).toContain(lie[0]);
      expect(problem.detail).toContain(`declared as ${lie[2]}`);
    }
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...noise(64)]);
    const notAllowed = await upload(form("An image.", [["photo.png", png, "image/png"]]));
    expect((await expectProblem(notAllowed, 415, "/problems/unsupported-media-type")).detail).toContain("not accepted");
    const unknown = await upload(form("Binary.", [["blob.bin", noise(300), "application/octet-stream"]]));
    await expectProblem(unknown, 415, "/problems/unsupported-media-type");
    expect(await stored()).toEqual(before);
  });

  it("validates the fields like a JSON body (422) and deletes the files already stored", async () => {
    const before = await stored();
    const missing = await upload(form(null, [["a.txt", "Some text.", "text/plain"]]));
    const body = await expectProblem(missing, 422, "/problems/validation");
    expect(body.errors).toEqual([{ pointer: "/text", detail: "text is required" }]);
    const unknown = await upload(
      form("Hi.", [["a.txt", "Some text.", "text/plain"]], { email: "else@example.com", workflow: "nope" }),
    );
    const errors = (await expectProblem(unknown, 422, "/problems/validation")).errors ?? [];
    expect(errors.map((e) => e.pointer).sort()).toEqual(["/email", "/workflow"]);
    const empty = await upload(form("Empty file.", [["empty.txt", "", "text/plain"]]));
    expect(empty.status).toBe(202);
    const { id } = await empty.json<{ id: string }>();
    // An empty file part (a form's file input left empty) is no file at all.
    expect(
      (
        await env.DB.prepare("SELECT COUNT(*) AS n FROM submission_files WHERE submission_id = ?")
          .bind(id)
          .first<{ n: number }>()
      )?.n,
    ).toBe(0);
    expect((await stored()).objects).toBe(before.objects);
    await waitForStatus(id, ["completed"]);
  });

  it("answers a malformed multipart body with 400", async () => {
    const key = await apiKeyFor("uploader@example.com");
    for (const [type, body] of [
      ["multipart/form-data", "--x\r\n"],
      ["multipart/form-data; boundary=abc", "no boundary here at all"],
      ["multipart/form-data; boundary=abc", '--abc\r\nContent-Disposition: form-data; name="text"\r\n\r\nunterminated'],
      ["multipart/form-data; boundary=abc", "--abc\r\nContent-Type: text/plain\r\n\r\nno disposition\r\n--abc--\r\n"],
    ]) {
      const res = await exports.default.fetch(`${BASE}/v1/submissions`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": type as string },
        body,
      });
      expect(res.status, body).toBe(400);
    }
  });
});

describe("Idempotency-Key with multipart bodies", () => {
  it("replays the first response for the same form (new boundary, same parts) and refuses a changed file with 422", async () => {
    const pdf = minimalPdf("Idempotent upload.");
    const send = (bytes: Uint8Array) =>
      upload(form("Once only.", [["a.pdf", bytes, "application/pdf"]]), { headers: { "idempotency-key": "mp-1" } });
    const first = await send(pdf);
    expect(first.status).toBe(202);
    const firstBody = await first.text();
    const before = await stored();

    const again = await send(pdf);
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.text()).toBe(firstBody);
    expect(await stored()).toEqual(before);

    const changed = minimalPdf("Idempotent upload!");
    const mismatch = await send(changed);
    expect((await expectProblem(mismatch, 422, "/problems/idempotency-key-reuse")).detail).toMatch(/different request/);
    expect(await stored()).toEqual(before);
    await waitForStatus(JSON.parse(firstBody).id, ["completed"]);
  });

  it("answers a multipart duplicate with 409 and Retry-After while the first is still being read", async () => {
    await apiKeyFor("uploader@example.com");
    const userId = (
      await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind("uploader@example.com").first<{ id: string }>()
    )?.id;
    // The first request's claim, as the middleware writes it before the body is read.
    await env.DB.prepare(
      "INSERT INTO idempotency_keys (user_id, key, fingerprint, status, created_at, expires_at) VALUES (?, 'mp-busy', 'pending', 'in_progress', ?, ?)",
    )
      .bind(userId, Date.now(), Date.now() + 3600_000)
      .run();
    const before = await stored();
    const res = await upload(form("Twice at once.", [["a.txt", "same", "text/plain"]]), {
      headers: { "idempotency-key": "mp-busy" },
    });
    await expectProblem(res, 409, "/problems/idempotency-conflict");
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await stored()).toEqual(before);
  });

  it("lets a key be used again after a refused (413) multipart request", async () => {
    const big = upload(form("Big.", [["big.txt", "a".repeat(FILE_MAX + 1), "text/plain"]]), {
      headers: { "idempotency-key": "mp-2" },
    });
    expect((await big).status).toBe(413);
    const ok = await upload(form("Small.", [["small.txt", "small", "text/plain"]]), {
      headers: { "idempotency-key": "mp-2" },
    });
    expect(ok.status).toBe(202);
    await waitForStatus((await ok.json<{ id: string }>()).id, ["completed"]);
  });
});

describe("storeSubmissionFile (the module inbound email uses too)", () => {
  it("acceptSubmissionWithFiles accepts attachments in one call, or refuses them all leaving nothing", async () => {
    await apiKeyFor("mail-user@example.com");
    const user = await env.DB.prepare("SELECT id, email FROM users WHERE email = ?")
      .bind("mail-user@example.com")
      .first<{ id: string; email: string }>();
    if (!user) throw new Error("no user");
    const ctx = {
      user,
      source: "email" as const,
      correlationId: "mail-1",
      log: createLogger({ correlationId: "mail-1" }),
    };
    const docx = minimalDocx(["An emailed Word memo about pallet racks."]);
    const { id, files } = await acceptSubmissionWithFiles(env, { text: "See the attachments." }, ctx, [
      {
        name: "memo.docx",
        contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        body: docx,
      },
      { name: "call.wav", contentType: undefined, body: new Blob([wav(0.1)]).stream() },
    ]);
    expect(files.map((f) => [f.name, f.contentType])).toEqual([
      ["memo.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"],
      ["call.wav", "audio/wav"],
    ]);
    const done = await waitForStatus(id, ["completed", "failed"]);
    expect(done.status).toBe("completed");
    expect(done.files?.map((f) => f.name)).toEqual(["memo.docx", "call.wav"]);

    const before = await stored();
    await expect(
      acceptSubmissionWithFiles(env, { text: "A bad attachment." }, ctx, [
        { name: "ok.txt", contentType: "text/plain", body: new TextEncoder().encode("fine") },
        { name: "fake.pdf", contentType: "application/pdf", body: new TextEncoder().encode("not a pdf") },
      ]),
    ).rejects.toMatchObject({ status: 415 });
    expect(await stored()).toEqual(before);
  });

  it("streams a file larger than one part through an R2 multipart upload", async () => {
    // Two full 5 MiB parts (R2's minimum part size, enforced locally too) and a short last one.
    const bytes = new Uint8Array(10 * 1024 * 1024 + 1000);
    bytes.set(wav(0.01));
    bytes.set(noise(bytes.length - 200), 200);
    // Chunks of 64 KiB, as a network stream would deliver them.
    let at = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        if (at >= bytes.length) return c.close();
        c.enqueue(bytes.slice(at, at + 65536));
        at += 65536;
      },
    });
    const stored = await storeSubmissionFile(env, {
      submissionId: "sub_01JD6Z7Q4YVQ2B3K9M5N8P0R1S",
      name: "long.wav",
      declaredType: "audio/x-wav",
      body,
      limits: { maxFileBytes: 11 * 1024 * 1024 },
    });
    expect(stored).toMatchObject({ name: "long.wav", contentType: "audio/wav", size: bytes.length });
    expect(stored.sha256).toBe(await sha256Hex(bytes));
    const object = await env.FILES.get(stored.key);
    expect(new Uint8Array(await (object as R2ObjectBody).arrayBuffer())).toEqual(bytes);
    await env.FILES.delete(stored.key);
  });
});

describe("files in the account export and account deletion", () => {
  it("exports the files' metadata and bytes, and deleting the account removes the files from R2 and D1", async () => {
    const email = "export-files@example.com";
    const pdf = minimalPdf("Exported PDF.");
    const res = await upload(form("Export my files.", [["report.pdf", pdf, "application/pdf"]]), { email });
    const { id } = await res.json<{ id: string }>();
    await waitForStatus(id, ["completed"]);
    const key = await apiKeyFor(email, { scopes: ["account:manage"] });
    const zip = await exports.default.fetch(`${BASE}/v1/account/export`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const files = unzipSync(new Uint8Array(await zip.arrayBuffer()));
    const meta = JSON.parse(strFromU8(files[`submissions/${id}/submission.json`] as Uint8Array)) as {
      files: { id: string; name: string; sha256: string }[];
    };
    expect(meta.files).toHaveLength(1);
    expect(meta.files[0]).toMatchObject({ name: "report.pdf", sha256: await sha256Hex(pdf) });
    expect(files[`submissions/${id}/files/${meta.files[0]?.id}-report.pdf`]).toEqual(pdf);

    const del = await exports.default.fetch(`${BASE}/v1/account/delete`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ confirm: email }),
    });
    expect(del.status).toBe(204);
    expect((await env.FILES.list({ prefix: `files/${id}/` })).objects).toEqual([]);
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM submission_files WHERE submission_id = ?")
      .bind(id)
      .first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });
});

describe("the portal's New request form with files", () => {
  const portalForm = (csrf: string | undefined, text: string, files: [string, Uint8Array | string, string][]) => {
    const fd = new FormData();
    if (csrf !== undefined) fd.append("_csrf", csrf);
    fd.append("text", text);
    for (const [name, bytes, type] of files) fd.append("files", new File([bytes], name, { type }));
    return fd;
  };

  it("explains the limits, accepts text with files, and lists them with owner-only download links", async () => {
    const client = await signedInAs("portal-upload@example.com");
    const page = await client.page("/app/requests/new");
    expect(page).toContain('enctype="multipart/form-data"');
    expect(page).toContain(`Up to ${env.UPLOAD_MAX_FILES} files, each at most 64 KiB, together at most 200 KiB`);
    expect(page).toContain(`data-max-file="${FILE_MAX}"`);
    const pdf = minimalPdf("Portal PDF about loading docks.");
    const res = await client.request("/app/requests", {
      method: "POST",
      body: portalForm(hiddenField(page, "_csrf"), "Please read the attached plan.", [
        ["plan.pdf", pdf, "application/pdf"],
        ["", "", "application/octet-stream"],
      ]),
    });
    expect(res.status).toBe(303);
    const location = res.headers.get("location") ?? "";
    expect(location).toMatch(/^\/app\/requests\/sub_/);
    const id = location.split("/").pop() ?? "";
    await waitForStatus(id, ["completed"]);
    const detail = await client.page(location);
    expect(detail).toContain("Attachments");
    const href = /href="(\/v1\/submissions\/[^"]+\/files\/fil_[^"]+)"/.exec(detail)?.[1] ?? "";
    expect(href).not.toBe("");
    // The signed-in owner downloads with the session cookie; someone else gets 404.
    const own = await client.get(href);
    expect(own.status).toBe(200);
    expect(new Uint8Array(await own.arrayBuffer())).toEqual(pdf);
    const stranger = await signedInAs("portal-stranger@example.com");
    expect((await stranger.get(href)).status).toBe(404);
    expect((await stranger.get(location)).status).toBe(404);
  });

  it("refuses a forged form before storing its files, and shows upload limits as a form error", async () => {
    const client = await signedInAs("portal-forged@example.com");
    const page = await client.page("/app/requests/new");
    const before = await stored();
    const forged = await client.request("/app/requests", {
      method: "POST",
      body: portalForm("not-the-token", "Forged.", [["a.txt", "hello", "text/plain"]]),
    });
    expect(forged.status).toBe(403);
    const missing = await client.request("/app/requests", {
      method: "POST",
      body: portalForm(undefined, "No token.", [["a.txt", "hello", "text/plain"]]),
    });
    expect(missing.status).toBe(403);
    expect(await stored()).toEqual(before);

    const big = await client.request("/app/requests", {
      method: "POST",
      body: portalForm(hiddenField(page, "_csrf"), "Too big.", [["big.txt", "a".repeat(FILE_MAX + 1), "text/plain"]]),
    });
    expect(big.status).toBe(413);
    const html = await big.text();
    expect(html).toContain("New request");
    expect(html).toContain("the limit for one file");
    const lie = await client.request("/app/requests", {
      method: "POST",
      body: portalForm(hiddenField(page, "_csrf"), "A lie.", [["x.pdf", "plain text", "application/pdf"]]),
    });
    expect(lie.status).toBe(415);
    expect(await lie.text()).toContain("declared as application/pdf");
    expect(await stored()).toEqual(before);
  });
});
