/**
 * A generated corpus of realistic pages for the build benchmark: YAML front matter (title,
 * description, date, tags), 2–5 KB of markdown with headings, lists, tables, code and links to
 * other pages of the corpus. Deterministic for a given size, so runs compare like with like.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

const WORDS =
  "request result pipeline edge queue storage worker durable object analysis summary email notification retry backoff failure success status step timeline database index search content markdown page site build cache header version revision locale language customer team order warehouse delay supplier contract risk option decision review approval deadline budget invoice report meeting agenda".split(
    " ",
  );
const TAGS = ["api", "platform", "operations", "guides", "pricing", "news", "security", "search", "email", "ai"];

/** Small deterministic PRNG (mulberry32). */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pageSource(i: number, total: number): string {
  const r = rng(i + 1);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)] as T;
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(" ");
  const sentence = () => {
    const s = words(8 + Math.floor(r() * 10));
    return `${s[0]?.toUpperCase()}${s.slice(1)}.`;
  };
  const para = () => Array.from({ length: 3 + Math.floor(r() * 4) }, sentence).join(" ");
  const link = () => {
    const j = Math.floor(r() * total);
    return `[${words(2)}](/articles/p${j}/)`;
  };
  const title = `${sentence().slice(0, -1)} ${i}`;
  const tags = [...new Set([pick(TAGS), pick(TAGS)])];
  const day = String((i % 28) + 1).padStart(2, "0");
  const month = String((i % 12) + 1).padStart(2, "0");
  const target = 2000 + Math.floor(r() * 3000);
  let body = `# ${title}\n\n${para()} See ${link()}.\n`;
  let section = 0;
  while (body.length < target) {
    section++;
    body += `\n## ${words(3)} ${section}\n\n${para()}\n\n`;
    switch (section % 4) {
      case 1:
        body += `${Array.from({ length: 4 }, () => `- ${words(5)} (${link()})`).join("\n")}\n`;
        break;
      case 2:
        body += `| Step | Status | Attempts |\n| ---- | ------ | -------- |\n${Array.from({ length: 4 }, (_, k) => `| ${pick(WORDS)} | ${pick(["done", "failed", "pending"])} | ${k + 1} |`).join("\n")}\n`;
        break;
      case 3:
        body += `\`\`\`ts\nconst ${pick(WORDS)} = await fetch("/v1/submissions/${i}");\nif (!res.ok) throw new Error("${words(3)}");\nreturn res.json();\n\`\`\`\n`;
        break;
      default:
        body += `1. ${words(6)}\n2. ${words(6)}\n3. ${words(6)}\n\n> ${sentence()}\n`;
    }
  }
  return `---\ntitle: "${title}"\ndescription: "${sentence()}"\ndate: 2026-${month}-${day}\ntags: [${tags.join(", ")}]\n---\n\n${body}`;
}

/** Writes `total` pages to `<dir>/articles/p<i>.md` (plus a home page) and returns the file count. */
export async function writeCorpus(dir: string, total: number): Promise<number> {
  await mkdir(path.join(dir, "articles"), { recursive: true });
  await writeFile(
    path.join(dir, "index.md"),
    "---\ntitle: Bench home\ndescription: Generated corpus.\n---\n\n# Bench\n\nSee [articles](/articles/).\n",
  );
  for (let i = 0; i < total; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, total - i) }, (_, k) =>
        writeFile(path.join(dir, "articles", `p${i + k}.md`), pageSource(i + k, total)),
      ),
    );
  }
  return total + 1;
}
