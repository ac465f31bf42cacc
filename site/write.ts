/**
 * Writing the build's output files. A rebuild overwrites in place, and on Linux truncating a
 * file (what `writeFileSync` opens it with) frees its pages only for the write to allocate
 * them again: writing over the old bytes and then cutting the file to its new length leaves
 * the same file for about a quarter less system time (20,000 small files on a tmpfs: 0.15 s
 * of system time against 0.21 s).
 */
import { closeSync, constants, ftruncateSync, mkdirSync, openSync, writeSync } from "node:fs";
import path from "node:path";

const FLAGS = constants.O_WRONLY | constants.O_CREAT;

function open(file: string): number {
  try {
    return openSync(file, FLAGS, 0o666);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    mkdirSync(path.dirname(file), { recursive: true });
    return openSync(file, FLAGS, 0o666);
  }
}

/** Replaces `file`'s content with `text` (UTF-8), making its folder when it is missing. */
export function writeText(file: string, text: string): void {
  const fd = open(file);
  try {
    let written = writeSync(fd, text);
    const size = Buffer.byteLength(text);
    if (written < size) {
      // A short write (rare on a regular file): the rest from the encoded bytes.
      const bytes = Buffer.from(text);
      while (written < size) written += writeSync(fd, bytes, written, size - written, written);
    }
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
}

/** Replaces `file`'s content with `bytes`, making its folder when it is missing. */
export function writeBytes(file: string, bytes: Uint8Array): void {
  const fd = open(file);
  try {
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at, at);
    ftruncateSync(fd, bytes.length);
  } finally {
    closeSync(fd);
  }
}
