import { env } from "cloudflare:workers";
import { strToU8, zipSync, zlibSync } from "fflate";
import { describe, expect, it } from "vitest";
import { db } from "../shared/db/client";
import { MAX_INFLATED_BYTES, MAX_PDF_PAGES } from "../shared/extract";
import { newSubmissionId } from "../shared/ids";
import type { StoredFile, StoredInput } from "../shared/submissions/accept";
import { insertSubmission } from "../shared/submissions/repo";
import { waitForStatus } from "./helpers/api";

const DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/** A submission with files, as intake writes it, and its job started: the real pipeline from gather on. */
async function runWithFile(name: string, contentType: string, body: Uint8Array) {
  const id = newSubmissionId();
  const file: StoredFile = { key: `uploads/${id}/${name}`, name, contentType };
  await env.FILES.put(file.key, body, { httpMetadata: { contentType } });
  const input: StoredInput = {
    id,
    source: "api",
    email: "bomb@example.com",
    text: "Please read the attached document.",
    receivedAt: new Date().toISOString(),
    correlationId: `corr-${id}`,
    files: [file],
  };
  await env.FILES.put(`inputs/${id}.json`, JSON.stringify(input));
  await insertSubmission(db(env.DB), {
    id,
    userId: null,
    source: "api",
    email: input.email,
    textChars: input.text.length,
    inputKey: `inputs/${id}.json`,
    correlationId: input.correlationId,
    now: Date.now(),
  });
  await env.JOB_COORDINATOR.getByName(id).start({
    kind: "job.start",
    submissionId: id,
    correlationId: input.correlationId,
  });
  return waitForStatus(id, ["completed", "failed"]);
}

/** A DOCX whose `word/document.xml` is `bytes` long: zeros (a bomb) or repeated paragraphs. */
function docx(xml: Uint8Array): Uint8Array {
  return zipSync({ "[Content_Types].xml": strToU8("<Types/>"), "word/document.xml": xml }, { level: 9 });
}

/** A one-page PDF whose content stream is `content`, FlateDecode-compressed. */
function flatePdf(content: Uint8Array): Uint8Array {
  const data = zlibSync(content, { level: 9 });
  const head = strToU8(
    "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n" +
      "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>\nendobj\n" +
      `4 0 obj\n<< /Length ${data.length} /Filter /FlateDecode >>\nstream\n`,
  );
  const tail = strToU8("\nendstream\nendobj\ntrailer\n<< /Size 5 /Root 1 0 R >>\n%%EOF\n");
  const out = new Uint8Array(head.length + data.length + tail.length);
  out.set(head, 0);
  out.set(data, head.length);
  out.set(tail, head.length + data.length);
  return out;
}

describe("decompression bombs fail the extract step at once, with a reason, and are not retried", () => {
  it("refuses a DOCX whose document.xml inflates to 64 MiB (a 64 KB file)", async () => {
    const bomb = docx(new Uint8Array(64 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(128 * 1024);
    const done = await runWithFile("bomb.docx", DOCX, bomb);
    expect(done.status).toBe("failed");
    expect(done.error).toBe(
      `The extract step failed: The file "bomb.docx" inflates past ${MAX_INFLATED_BYTES / 1024 / 1024} MiB or 100 times its compressed size: refused as a decompression bomb.`,
    );
    expect(done.steps.find((s) => s.name === "extract")).toMatchObject({ status: "failed", attempts: 1 });
  });

  it("refuses a DOCX under the size cap whose ratio is a bomb's (4 MiB of zeros)", async () => {
    const done = await runWithFile("ratio.docx", DOCX, docx(new Uint8Array(4 * 1024 * 1024)));
    expect(done.status).toBe("failed");
    expect(done.error).toContain("refused as a decompression bomb");
    expect(done.steps.find((s) => s.name === "extract")).toMatchObject({ status: "failed", attempts: 1 });
  });

  it("still reads a long, ordinary DOCX (2 MiB of paragraphs)", async () => {
    const paragraph = (i: number) =>
      `<w:p><w:r><w:t>Paragraph ${i} of the memo about pallet ${(i * 7919) % 10007} and bay ${(i * 104729) % 997}.</w:t></w:r></w:p>`;
    const parts: string[] = [];
    for (let i = 0, size = 0; size < 2 * 1024 * 1024; i++) {
      parts.push(paragraph(i));
      size += parts[i]?.length ?? 0;
    }
    const xml = strToU8(`<w:document><w:body>${parts.join("")}</w:body></w:document>`);
    const done = await runWithFile("long.docx", DOCX, docx(xml));
    expect(done.error).toBeNull();
    expect(done.status).toBe("completed");
  });

  it("reads an HTML document of 200,000 unclosed tags, words intact, instead of failing on the parser's depth", async () => {
    // 1 MB: htmlparser2's stack costs its depth per tag (15 s of CPU here), then html-to-text's recursion overflows.
    const html = `<html><body>${"<div>".repeat(200_000)}The nested memo mentions dock doors.</body></html>`;
    const done = await runWithFile("deep.html", "text/html", strToU8(html));
    expect(done.error).toBeNull();
    expect(done.status).toBe("completed");
    expect(await (await env.FILES.get(`work/${done.id}/documents.md`))?.text()).toContain(
      "The nested memo mentions dock doors.",
    );
  });

  it("refuses a PDF whose content stream inflates to 64 MiB", async () => {
    const done = await runWithFile("bomb.pdf", "application/pdf", flatePdf(new Uint8Array(64 * 1024 * 1024).fill(32)));
    expect(done.status).toBe("failed");
    expect(done.error).toBe(
      `The extract step failed: A stream of the PDF "bomb.pdf" inflates past ${MAX_INFLATED_BYTES / 1024 / 1024} MiB or 100 times its compressed size: refused as a decompression bomb.`,
    );
    expect(done.steps.find((s) => s.name === "extract")).toMatchObject({ status: "failed", attempts: 1 });
  });

  it("still reads a PDF whose content stream is FlateDecode-compressed", async () => {
    const done = await runWithFile(
      "flate.pdf",
      "application/pdf",
      flatePdf(strToU8("BT /F1 12 Tf 72 720 Td (The compressed PDF mentions forklifts.) Tj ET")),
    );
    expect(done.error).toBeNull();
    expect(done.status).toBe("completed");
    const extracted = await (await env.FILES.get(`work/${done.id}/documents.md`))?.text();
    expect(extracted).toContain("The compressed PDF mentions forklifts.");
  });

  it(`refuses a PDF of more than ${MAX_PDF_PAGES} pages`, async () => {
    const pages = MAX_PDF_PAGES + 1;
    const content = "BT /F1 12 Tf 72 720 Td (page) Tj ET";
    const kids = Array.from({ length: pages }, (_, i) => `${i + 4} 0 R`).join(" ");
    let pdf = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n";
    pdf += `2 0 obj\n<< /Type /Pages /Kids [${kids}] /Count ${pages} >>\nendobj\n`;
    pdf += `3 0 obj\n<< /Length ${content.length} >>\nstream\n${content}\nendstream\nendobj\n`;
    for (let i = 0; i < pages; i++) {
      pdf += `${i + 4} 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R >>\nendobj\n`;
    }
    pdf += `trailer\n<< /Size ${pages + 4} /Root 1 0 R >>\n%%EOF\n`;
    const done = await runWithFile("long.pdf", "application/pdf", strToU8(pdf));
    expect(done.status).toBe("failed");
    expect(done.error).toBe(
      `The extract step failed: The PDF "long.pdf" has ${pages} pages; StateX reads documents of up to ${MAX_PDF_PAGES}.`,
    );
    expect(done.steps.find((s) => s.name === "extract")).toMatchObject({ status: "failed", attempts: 1 });
  });

  it("fails a damaged DOCX (central directory pointing past the end) once, not on every retry", async () => {
    const good = docx(strToU8("<w:document/>"));
    const broken = good.slice();
    const view = new DataView(broken.buffer);
    // The last central directory entry's local header offset, far past the end of the file.
    const eocd = broken.length - 22;
    const cd = view.getUint32(eocd + 16, true);
    const second =
      cd + 46 + view.getUint16(cd + 28, true) + view.getUint16(cd + 30, true) + view.getUint16(cd + 32, true);
    view.setUint32(second + 42, 0x7fffffff, true);
    const done = await runWithFile("broken.docx", DOCX, broken);
    expect(done.status).toBe("failed");
    expect(done.error).toBe('The extract step failed: The file "broken.docx" is not a readable DOCX document.');
    expect(done.steps.find((s) => s.name === "extract")).toMatchObject({ status: "failed", attempts: 1 });
  });
});
