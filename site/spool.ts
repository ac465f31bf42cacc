/**
 * The markdown twins of one rendering thread, kept in one scratch file as they are written, so
 * the main thread can make `llms-full.txt` from a few open files instead of opening, sizing,
 * reading and closing each page's twin again (30,000 system calls at 10,000 pages). Each twin
 * is encoded once, into the spool's buffer (`stream.ts`), and its own file is written from
 * those bytes.
 */
import { openSync, rmSync } from "node:fs";
import { BufferedFile, trimmedLength } from "./stream.ts";

/** Where a page's text is in a spool: source file, start, end (bytes, trailing white space cut). */
export type SpoolRange = [file: string, start: number, end: number];

/** Rendered pages' twins in the spools: source file → spool descriptor, start, end (bytes). */
export type Spooled = Map<string, [fd: number, start: number, end: number]>;

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

/** One rendering thread's spool: its twins, and where each one is in the file. */
export class Spool {
  readonly #out: BufferedFile;
  #ranges: SpoolRange[] = [];

  /** `fd`: from `openSpoolFile`, written by this spool only. */
  constructor(fd: number) {
    this.#out = new BufferedFile(fd);
  }

  /**
   * Adds a page's twin and returns its bytes (valid until the next call), for writing the
   * twin's own file.
   */
  add(file: string, text: string): Buffer {
    const start = this.#out.position;
    const bytes = this.#out.appendText(text);
    this.#ranges.push([file, start, start + trimmedLength(bytes, 0, bytes.length)]);
    return bytes;
  }

  /** Writes what is buffered to the file and hands over the ranges added since the last call. */
  flush(): SpoolRange[] {
    this.#out.flush();
    const ranges = this.#ranges;
    this.#ranges = [];
    return ranges;
  }
}
