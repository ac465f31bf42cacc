import { describe, expect, it } from "vitest";
import { safeFileName, sniff, verifyFileType } from "../shared/filetypes";
import { streamMultipart } from "../shared/http/multipart";

const enc = new TextEncoder();

/** A stream delivering `bytes` in chunks of `size` (1 byte: every boundary split every way). */
function chunked(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
}

async function collect(stream: ReadableStream<Uint8Array>, boundary: string, readBodies = true) {
  const out: { name: string; filename?: string; type?: string; body: string }[] = [];
  for await (const part of streamMultipart(stream, boundary)) {
    const body = readBodies ? await new Response(part.body).text() : "";
    out.push({ name: part.name, filename: part.filename, type: part.contentType, body });
  }
  return out;
}

describe("streamMultipart", () => {
  const body = enc.encode(
    [
      "preamble to ignore\r\n--XyZ\r\n",
      'Content-Disposition: form-data; name="text"\r\n\r\nHello\r\nworld --XyZ not yet\r\n',
      "--XyZ\r\n",
      'Content-Disposition: form-data; name="files"; filename="a.txt"; filename*=UTF-8\'\'%C3%BC.txt\r\n',
      "Content-Type: text/plain; charset=utf-8\r\n\r\n",
      "\r\n\r\n--Xy\r\n",
      "\r\n--XyZ  \r\n",
      'Content-Disposition: form-data; name="empty"\r\n\r\n',
      "\r\n--XyZ--\r\nepilogue",
    ].join(""),
  );
  const expected = [
    { name: "text", filename: undefined, type: undefined, body: "Hello\r\nworld --XyZ not yet" },
    { name: "files", filename: "ü.txt", type: "text/plain", body: "\r\n\r\n--Xy\r\n" },
    { name: "empty", filename: undefined, type: undefined, body: "" },
  ];

  for (const size of [1, 2, 3, 7, 64, 100_000]) {
    it(`reads the same parts whatever the chunk size (${size})`, async () => {
      expect(await collect(chunked(body, size), "XyZ")).toEqual(expected);
    });
  }

  it("skips a part whose body the reader left unread", async () => {
    const parts = await collect(chunked(body, 5), "XyZ", false);
    expect(parts.map((p) => p.name)).toEqual(["text", "files", "empty"]);
  });

  it("refuses truncated bodies and parts without a name", async () => {
    await expect(collect(chunked(body.subarray(0, body.length - 20), 9), "XyZ")).rejects.toThrow(/truncated|closing/);
    await expect(collect(chunked(enc.encode("--b\r\nX: y\r\n\r\nz\r\n--b--"), 4), "b")).rejects.toThrow(/name/);
    await expect(collect(chunked(enc.encode("nothing"), 4), "b")).rejects.toThrow(/boundary/);
  });

  it("counts every byte it reads through onBytes, and stops when it throws", async () => {
    let seen = 0;
    const parts = streamMultipart(chunked(body, 10), "XyZ", {
      onBytes: (n) => {
        seen += n;
        if (seen > 60) throw new Error("too much");
      },
    });
    await expect(
      (async () => {
        for await (const p of parts) await new Response(p.body).text();
      })(),
    ).rejects.toThrow("too much");
    expect(seen).toBeLessThanOrEqual(70);
  });
});

describe("file types and names", () => {
  it("recognises each accepted type by its magic bytes", () => {
    const b = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
    expect(sniff(b("%PDF-1.7\n"))).toBe("pdf");
    expect(sniff(b("OggS\0\u0002"))).toBe("ogg");
    expect(sniff(b('fLaC\0\0\0"'))).toBe("flac");
    expect(sniff(b("RIFF\u0024\0\0\0WAVEfmt "))).toBe("wav");
    expect(sniff(b("\0\0\0\u0020ftypM4A "))).toBe("mp4");
    expect(sniff(b("ID3\u0004\0"))).toBe("mp3");
    expect(sniff(Uint8Array.of(0xff, 0xfb, 0x90, 0x64))).toBe("mp3");
    expect(sniff(Uint8Array.of(0xff, 0xf1, 0x50, 0x80))).toBe("aac");
    expect(
      sniff(
        b(
          "\u001aE\u00df\u00a3\u009fB\u0086\u0081\u0001B\u00f7\u0081\u0001B\u00f2\u0081\u0004B\u00f3\u0081\bB\u0082\u0084webm",
        ),
      ),
    ).toBe("webm");
    expect(sniff(enc.encode("Grüße, plain text"))).toBe("text");
    expect(sniff(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0, 0))).toBeNull();
  });

  it("takes a missing type from the content, and refuses lies and types not accepted", () => {
    expect(verifyFileType(enc.encode("# Title"), undefined, "notes.md")).toEqual({
      ok: true,
      contentType: "text/markdown",
    });
    expect(verifyFileType(enc.encode("%PDF-1.4"), "application/octet-stream", "x")).toEqual({
      ok: true,
      contentType: "application/pdf",
    });
    expect(verifyFileType(enc.encode("hello"), "application/pdf", "a.pdf")).toMatchObject({
      ok: false,
      reason: "mismatch",
    });
    expect(verifyFileType(enc.encode("%PDF-1.4"), "image/png", "a.png")).toMatchObject({
      ok: false,
      reason: "not-allowed",
    });
    expect(verifyFileType(enc.encode("x"), "Audio/WAV; rate=8000", "a.wav")).toMatchObject({
      ok: false,
      reason: "mismatch",
    });
  });

  it("keeps only a safe last path segment of a file name", () => {
    expect(safeFileName("../../x")).toBe("x");
    expect(safeFileName("..\\..\\windows\\system.ini")).toBe("system.ini");
    expect(safeFileName("a\u0000b\u202Ec\u0007.txt")).toBe("abc.txt");
    expect(safeFileName("...hidden")).toBe("hidden");
    expect(safeFileName("  spaced   out  .pdf  ")).toBe("spaced out .pdf");
    expect(safeFileName("..")).toBe("file");
    expect(safeFileName(undefined)).toBe("file");
    const long = safeFileName(`${"é".repeat(500)}.docx`);
    expect([...long]).toHaveLength(200);
    expect(long.endsWith(".docx")).toBe(true);
  });
});
