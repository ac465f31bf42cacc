/**
 * The build's streaming writer: a file written through one reused megabyte buffer, so the big
 * files — each rendering thread's spool of twins (`spool.ts`), `llms-full.txt` and the cache —
 * are made with few system calls, flat memory and no garbage. Text is encoded once, straight
 * into the buffer; bytes of other open files are read straight into it.
 */
import { readSync, writeSync } from "node:fs";

const SIZE = 1 << 20;

/** One open file written through the buffer (see the module comment). */
export class BufferedFile {
  readonly #fd: number;
  readonly #buffer = Buffer.allocUnsafe(SIZE);
  #used = 0;
  /** Bytes written to the file so far. */
  #flushed = 0;

  /** `fd`: an open file, written by this writer only from where it is; the caller closes it. */
  constructor(fd: number) {
    this.#fd = fd;
  }

  /** Bytes appended so far: the offset in the file of the next byte. */
  get position(): number {
    return this.#flushed + this.#used;
  }

  /** Appends `text` as UTF-8 and returns its bytes (valid until the next call). */
  appendText(text: string): Buffer {
    // At most three bytes a UTF-16 code unit: with that much room, one encoding pass.
    const most = text.length * 3;
    if (this.#used + most > SIZE) this.flush();
    if (most > SIZE) {
      const bytes = Buffer.from(text);
      this.#writeOut(bytes);
      return bytes;
    }
    const size = this.#buffer.write(text, this.#used);
    const bytes = this.#buffer.subarray(this.#used, this.#used + size);
    this.#used += size;
    return bytes;
  }

  /** Appends `bytes`. */
  append(bytes: Buffer): void {
    if (this.#used + bytes.length > SIZE) this.flush();
    if (bytes.length > SIZE) this.#writeOut(bytes);
    else this.#used += bytes.copy(this.#buffer, this.#used);
  }

  /**
   * Appends `size` bytes of the open file `from`, read from offset `at`, and returns how many
   * it could read (fewer only when the file is shorter).
   */
  appendFrom(from: number, size: number, at: number): number {
    let total = 0;
    while (total < size) {
      if (this.#used === SIZE) this.flush();
      const got = this.#readInto(from, Math.min(size - total, SIZE - this.#used), at + total);
      if (got === 0) break;
      this.#used += got;
      total += got;
    }
    return total;
  }

  /**
   * Appends the first `size` bytes of the open file `from` (its length, as `fstat` gave it)
   * without trailing white space, as `text.trimEnd()` would cut them (see `trimmedLength`).
   */
  appendTrimmedFrom(from: number, size: number): void {
    if (size > SIZE) {
      const bytes = Buffer.allocUnsafe(size);
      let got = 0;
      for (let n = 1; n > 0 && got < size; got += n) n = readSync(from, bytes, got, size - got, got);
      this.append(bytes.subarray(0, trimmedLength(bytes, 0, got)));
      return;
    }
    if (this.#used + size > SIZE) this.flush();
    const got = this.#readInto(from, size, 0);
    this.#used = trimmedLength(this.#buffer, this.#used, this.#used + got);
  }

  /** Writes what is buffered to the file. */
  flush(): void {
    this.#writeOut(this.#buffer.subarray(0, this.#used));
    this.#used = 0;
  }

  /** Writes `bytes` to the file (after what is already there: flush first). */
  #writeOut(bytes: Buffer): void {
    for (let at = 0; at < bytes.length; ) at += writeSync(this.#fd, bytes, at, bytes.length - at);
    this.#flushed += bytes.length;
  }

  /** Reads up to `size` bytes of `from` at `at` into the buffer after what it holds (which has room). */
  #readInto(from: number, size: number, at: number): number {
    let got = 0;
    for (let n = 1; n > 0 && got < size; got += n)
      n = readSync(from, this.#buffer, this.#used + got, size - got, at + got);
    return got;
  }
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
