/**
 * The markdown twins of one rendering thread, kept in one scratch file as they are written, so
 * the main thread can make `llms-full.txt` from a few open files instead of opening, sizing,
 * reading and closing each page's twin again (30,000 system calls at 10,000 pages). Each twin
 * is encoded once, into the spool's buffer, and its own file is written from those bytes.
 */
import { openSync, rmSync, writeSync } from "node:fs";

/** Where a page's text is in a spool: source file, start, end (bytes, trailing white space cut). */
export type SpoolRange = [file: string, start: number, end: number];

/**
 * Opens a scratch file for a spool and removes its name at once: the open descriptor is all the
 * build needs (workers write to it too: descriptors belong to the process), and nothing is left
 * behind if the build dies. The caller closes it.
 */
export function openSpoolFile(file: string): number {
  const fd = openSync(file, "w+");
  rmSync(file, { force: true });
  return fd;
}

export class Spool {
  readonly #fd: number;
  readonly #buffer = Buffer.allocUnsafe(1 << 20);
  #used = 0;
  /** Bytes written to the file so far. */
  #flushed = 0;
  #ranges: SpoolRange[] = [];

  /** `fd`: from `openSpoolFile`, written by this spool only. */
  constructor(fd: number) {
    this.#fd = fd;
  }

  /**
   * Adds a page's twin and returns its bytes (valid until the next call), for writing the
   * twin's own file.
   */
  add(file: string, text: string): Buffer {
    // At most three bytes a UTF-16 code unit: with that much room, one encoding pass.
    const most = text.length * 3;
    if (this.#used + most > this.#buffer.length) this.#writeOut();
    const start = this.#flushed + this.#used;
    let bytes: Buffer;
    if (most > this.#buffer.length) {
      bytes = Buffer.from(text);
      writeAll(this.#fd, bytes);
      this.#flushed += bytes.length;
    } else {
      const size = this.#buffer.write(text, this.#used);
      bytes = this.#buffer.subarray(this.#used, this.#used + size);
      this.#used += size;
    }
    const size = bytes.length;
    this.#ranges.push([file, start, start + trimmedLength(bytes, 0, size)]);
    return bytes;
  }

  /** Writes what is buffered to the file and hands over the ranges added since the last call. */
  flush(): SpoolRange[] {
    this.#writeOut();
    const ranges = this.#ranges;
    this.#ranges = [];
    return ranges;
  }

  #writeOut(): void {
    writeAll(this.#fd, this.#buffer.subarray(0, this.#used));
    this.#flushed += this.#used;
    this.#used = 0;
  }
}

function writeAll(fd: number, bytes: Buffer): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
}

/**
 * Where `text.trimEnd()` would end the UTF-8 text in `bytes[start, end)`: ASCII white space
 * comes off byte by byte; a non-ASCII ending (which may be Unicode white space) is decoded and
 * trimmed as text.
 */
export function trimmedLength(bytes: Buffer, start: number, end: number): number {
  while (end > start) {
    const b = bytes[end - 1] as number;
    if (b === 0x20 || (b >= 0x09 && b <= 0x0d)) end--;
    else if (b >= 0x80) return start + Buffer.byteLength(bytes.toString("utf8", start, end).trimEnd());
    else break;
  }
  return end;
}
