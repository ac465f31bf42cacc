/**
 * When each source last changed, from git: one `git log --name-only` walk per build for every
 * file under the content folder (not one process per file), newest commit first, so the first
 * date seen for a file is its last change. Bounded (commits walked, output size, time) and
 * empty when the folder is not in a git work tree or git is missing; pages fall back to their
 * file's mtime.
 */
import { execFileSync } from "node:child_process";

/** Commits walked at most; older changes fall back to mtimes. */
const MAX_COMMITS = 5000;

/** Source file (relative to `contentDir`, `/` separators) → `YYYY-MM-DD` of its last commit. */
export function gitDates(contentDir: string): Record<string, string> {
  const dates: Record<string, string> = Object.create(null);
  let out: string;
  try {
    out = execFileSync(
      "git",
      [
        "-c",
        "core.quotePath=false",
        "log",
        `--max-count=${MAX_COMMITS}`,
        "--name-only",
        "--relative",
        "--format=%x00%cs",
        "--",
        ".",
      ],
      {
        cwd: contentDir,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
        maxBuffer: 64 * 1024 * 1024,
        timeout: 10_000,
      },
    );
  } catch {
    return dates;
  }
  let date = "";
  for (const line of out.split("\n")) {
    if (line.startsWith("\0")) date = line.slice(1);
    else if (line.endsWith(".md") && !(line in dates) && /^\d{4}-\d{2}-\d{2}$/.test(date)) dates[line] = date;
  }
  return dates;
}
