/**
 * A small synchronous syntax highlighter for the languages our pages use (shell, JSON,
 * JavaScript/TypeScript, YAML, SQL, HTTP). One regular expression per language, one pass per
 * block: highlighting must not cost more than rendering the rest of the page.
 */
import { escapeHtml } from "../html";

type Rule = [cls: string, source: string];

const STR = `"(?:[^"\\\\\\n]|\\\\.)*"|'(?:[^'\\\\\\n]|\\\\.)*'`;
const NUM = `\\b-?\\d+(?:\\.\\d+)?\\b`;

const KEYWORDS_JS =
  "\\b(?:const|let|var|function|return|if|else|for|while|await|async|import|export|from|new|class|extends|type|interface|throw|try|catch|of|in|true|false|null|undefined)\\b";
const KEYWORDS_SQL =
  "\\b(?:SELECT|FROM|WHERE|INSERT|INTO|VALUES|UPDATE|SET|DELETE|CREATE|TABLE|INDEX|ON|AND|OR|NOT|NULL|ORDER|BY|LIMIT|JOIN|AS|PRIMARY|KEY|MATCH)\\b";

const LANGS: Record<string, Rule[]> = {
  sh: [
    ["cmnt", "(?:^|\\s)#[^\\n]*"],
    ["str", STR],
    ["var", "\\$\\{?[A-Za-z_][\\w]*\\}?"],
    ["kwd", "(?:^|(?<=\\n)|(?<=\\|\\s*))(?:curl|npm|npx|wrangler|git|cd|echo|export)\\b"],
    ["oper", "\\s-{1,2}[A-Za-z][\\w-]*"],
  ],
  json: [
    ["attr", `"(?:[^"\\\\\\n]|\\\\.)*"(?=\\s*:)`],
    ["str", STR],
    ["num", NUM],
    ["bool", "\\b(?:true|false|null)\\b"],
  ],
  js: [
    ["cmnt", "//[^\\n]*|/\\*[\\s\\S]*?\\*/"],
    ["str", `${STR}|\`(?:[^\`\\\\]|\\\\.)*\``],
    ["kwd", KEYWORDS_JS],
    ["num", NUM],
    ["func", "\\b[A-Za-z_$][\\w$]*(?=\\()"],
  ],
  yaml: [
    ["cmnt", "(?:^|\\s)#[^\\n]*"],
    ["attr", "^[\\t ]*[\\w-]+(?=:)|(?<=\\n)[\\t ]*-?[\\t ]*[\\w-]+(?=:)"],
    ["str", STR],
    ["num", NUM],
    ["bool", "\\b(?:true|false|null)\\b"],
  ],
  sql: [
    ["cmnt", "--[^\\n]*"],
    ["str", STR],
    ["kwd", KEYWORDS_SQL],
    ["num", NUM],
  ],
  http: [
    ["kwd", "^(?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\\b|^HTTP/[\\d.]+"],
    ["attr", "(?<=\\n)[A-Za-z-]+(?=:)"],
    ["str", STR],
    ["num", NUM],
  ],
};

const ALIASES: Record<string, string> = {
  bash: "sh",
  shell: "sh",
  console: "sh",
  zsh: "sh",
  javascript: "js",
  ts: "js",
  typescript: "js",
  jsx: "js",
  tsx: "js",
  yml: "yaml",
  jsonc: "json",
};

const compiled = new Map<string, { re: RegExp; classes: string[] }>();
for (const [name, rules] of Object.entries(LANGS)) {
  compiled.set(name, {
    re: new RegExp(rules.map(([, src]) => `(${src})`).join("|"), "gm"),
    classes: rules.map(([cls]) => cls),
  });
}

/** The canonical language name for a fence's info string, or null when we do not highlight it. */
export function languageOf(info: string | undefined): string | null {
  const name = (info ?? "").trim().split(/\s+/)[0]?.toLowerCase() ?? "";
  const canonical = ALIASES[name] ?? name;
  return compiled.has(canonical) ? canonical : null;
}

/** HTML for a code block's contents: escaped text with `<span class="hl-…">` around tokens. */
export function highlight(code: string, lang: string | null): string {
  const grammar = lang ? compiled.get(lang) : undefined;
  if (!grammar) return escapeHtml(code);
  let out = "";
  let last = 0;
  grammar.re.lastIndex = 0;
  for (let m = grammar.re.exec(code); m !== null; m = grammar.re.exec(code)) {
    if (m[0] === "") {
      grammar.re.lastIndex++;
      continue;
    }
    let group = 1;
    while (group < m.length && m[group] === undefined) group++;
    out += escapeHtml(code.slice(last, m.index));
    out += `<span class="hl-${grammar.classes[group - 1]}">${escapeHtml(m[0])}</span>`;
    last = m.index + m[0].length;
  }
  return out + escapeHtml(code.slice(last));
}
