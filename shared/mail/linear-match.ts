/**
 * Where a regular expression first matches, in time linear in the text: a Thompson NFA run
 * as a Pike VM (the technique behind RE2), for the patterns we run on attacker text. V8's
 * backtracking engine takes super-linear time on patterns like `On\s.+\s.+\n?.*wrote`
 * (seconds for 3 KB of `On a a a …`); here every position of the text is visited once, with
 * at most one thread per instruction, so the work is at most 2 × instructions + 1 steps per
 * character whatever the text, and the steps are counted (a port of RE2 such as re2js
 * would be linear too, but counts nothing and brings its Unicode tables into the bundle).
 * Only the start of the first match is needed, which keeps this small.
 *
 * The patterns stay ordinary JavaScript regex literals (so they read as before and the tests
 * can compare against V8); the subset understood is what the mail patterns use: literals,
 * `.`, `\s \S \d \w`, classes with ranges, groups (capturing or `(?:`), alternation,
 * `* + ? {n} {n,} {n,m}` (greedy or lazy: the same for where a match starts), `^ $`, and the
 * `i` and `m` flags, without the `u` flag (UTF-16 code units, as V8 does). Anything else
 * throws when the pattern is compiled, so an unsupported pattern fails at module load.
 */
import { isJsSpace } from "../chars";

type Node =
  | { t: "char"; test: (c: number) => boolean }
  | { t: "seq"; items: Node[] }
  | { t: "alt"; items: Node[] }
  | { t: "star"; item: Node }
  | { t: "bol" }
  | { t: "eol" };

const EMPTY: Node = { t: "seq", items: [] };

/** What `^` and `$` see as line ends under the `m` flag, and what `.` does not match. */
function isLineEnd(c: number): boolean {
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isWord = (c: number) => isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/** Case folding of the `i` flag without `u` (ECMA-262 Canonicalize): upper case, never non-ASCII to ASCII. */
function canonical(c: number): number {
  if (c < 128) return c >= 97 && c <= 122 ? c - 32 : c;
  const upper = String.fromCharCode(c).toUpperCase();
  if (upper.length !== 1) return c;
  const u = upper.charCodeAt(0);
  return u < 128 ? c : u;
}

/** Parses the regex subset into a tree; throws on anything outside it. */
function parse(source: string, ignoreCase: boolean, multiline: boolean): Node {
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`linear-match: ${why} at ${i} in /${source}/`);
  };
  const literal = (code: number): Node => {
    if (!ignoreCase) return { t: "char", test: (c) => c === code };
    const want = canonical(code);
    return { t: "char", test: (c) => c === code || canonical(c) === want };
  };
  const readEscape = (): ((c: number) => boolean) | number => {
    const ch = source[i++] ?? fail("trailing backslash");
    switch (ch) {
      case "s":
        return isJsSpace;
      case "S":
        return (c) => !isJsSpace(c);
      case "d":
        return isDigit;
      case "D":
        return (c) => !isDigit(c);
      case "w":
        return isWord;
      case "W":
        return (c) => !isWord(c);
      case "n":
        return 10;
      case "r":
        return 13;
      case "t":
        return 9;
      default:
        if (/[A-Za-z0-9]/.test(ch)) fail(`unsupported escape \\${ch}`);
        return ch.charCodeAt(0);
    }
  };
  const charClass = (): Node => {
    const negated = source[i] === "^";
    if (negated) i++;
    const tests: ((c: number) => boolean)[] = [];
    while (source[i] !== "]") {
      if (i >= source.length) fail("unterminated class");
      let lo: number;
      if (source[i] === "\\") {
        i++;
        const e = readEscape();
        if (typeof e !== "number") {
          tests.push(e);
          continue;
        }
        lo = e;
      } else lo = source.charCodeAt(i++);
      if (source[i] === "-" && source[i + 1] !== "]") {
        i++;
        let hi: number;
        if (source[i] === "\\") {
          i++;
          const e = readEscape();
          hi = typeof e === "number" ? e : fail("class range to an escape");
        } else hi = source.charCodeAt(i++);
        const [a, b] = [lo, hi];
        tests.push(ignoreCase ? (c) => (c >= a && c <= b) || inFolded(c, a, b) : (c) => c >= a && c <= b);
      } else {
        const code = lo;
        const want = canonical(code);
        tests.push(ignoreCase ? (c) => c === code || canonical(c) === want : (c) => c === code);
      }
    }
    i++;
    const any = (c: number) => tests.some((test) => test(c));
    return { t: "char", test: negated ? (c) => !any(c) : any };
  };
  const atom = (): Node => {
    const ch = source[i++];
    switch (ch) {
      case "(": {
        if (source[i] === "?") {
          if (source[i + 1] !== ":") fail("unsupported group");
          i += 2;
        }
        const inner = alternation();
        if (source[i++] !== ")") fail("unbalanced group");
        return inner;
      }
      case "[":
        return charClass();
      case ".":
        return { t: "char", test: (c) => !isLineEnd(c) };
      case "^":
        if (!multiline) fail("^ without the m flag");
        return { t: "bol" };
      case "$":
        if (!multiline) fail("$ without the m flag");
        return { t: "eol" };
      case "\\": {
        const e = readEscape();
        return typeof e === "number" ? literal(e) : { t: "char", test: e };
      }
      case undefined:
      case ")":
      case "|":
      case "*":
      case "+":
      case "?":
      case "{":
        return fail(`unexpected ${ch ?? "end"}`);
      default:
        return literal(ch.charCodeAt(0));
    }
  };
  const quantified = (): Node => {
    const item = atom();
    const q = source[i];
    let min: number;
    let max: number;
    if (q === "*") [min, max] = [0, Infinity];
    else if (q === "+") [min, max] = [1, Infinity];
    else if (q === "?") [min, max] = [0, 1];
    else if (q === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
      if (!m) return fail("bad {n,m}");
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] ? Number(m[3]) : Infinity;
      i += m[0].length - 1;
    } else return item;
    i++;
    if (source[i] === "?") i++; // lazy: the same start of the first match
    const items: Node[] = Array.from({ length: min }, () => item);
    if (max === Infinity) items.push({ t: "star", item });
    else for (let k = min; k < max; k++) items.push({ t: "alt", items: [item, EMPTY] });
    return { t: "seq", items };
  };
  const sequence = (): Node => {
    const items: Node[] = [];
    while (i < source.length && source[i] !== "|" && source[i] !== ")") items.push(quantified());
    return { t: "seq", items };
  };
  const alternation = (): Node => {
    const items = [sequence()];
    while (source[i] === "|") {
      i++;
      items.push(sequence());
    }
    return items.length === 1 ? (items[0] as Node) : { t: "alt", items };
  };
  const tree = alternation();
  if (i !== source.length) fail("unbalanced )");
  return tree;
}

/** True when some character of `a..b` folds to `c`'s case under the `i` flag. */
function inFolded(c: number, a: number, b: number): boolean {
  const want = canonical(c);
  if (want >= a && want <= b) return true;
  const lower = String.fromCharCode(c).toLowerCase().charCodeAt(0);
  return lower >= a && lower <= b && canonical(lower) === want;
}

const CHAR = 0;
const SPLIT = 1;
const BOL = 2;
const EOL = 3;
const MATCH = 4;

interface Instr {
  op: number;
  test?: (c: number) => boolean;
  next: number;
  alt: number;
}

/** A compiled pattern: run it with {@link firstMatch}. */
export interface LinearPattern {
  readonly source: string;
  readonly program: readonly Instr[];
  readonly start: number;
}

/** Compiles a regex literal of the supported subset (flags `i` and `m` only). */
export function compile(pattern: RegExp): LinearPattern {
  if (/[^im]/.test(pattern.flags)) throw new Error(`linear-match: unsupported flags /${pattern.flags}/`);
  const tree = parse(pattern.source, pattern.flags.includes("i"), pattern.flags.includes("m"));
  const program: Instr[] = [{ op: MATCH, next: -1, alt: -1 }];
  // Built back to front: each node is compiled with the instruction that follows it.
  const emit = (node: Node, next: number): number => {
    switch (node.t) {
      case "char":
        program.push({ op: CHAR, test: node.test, next, alt: -1 });
        return program.length - 1;
      case "bol":
      case "eol":
        program.push({ op: node.t === "bol" ? BOL : EOL, next, alt: -1 });
        return program.length - 1;
      case "seq": {
        let at = next;
        for (let k = node.items.length - 1; k >= 0; k--) at = emit(node.items[k] as Node, at);
        return at;
      }
      case "alt": {
        let at = emit(node.items[node.items.length - 1] as Node, next);
        for (let k = node.items.length - 2; k >= 0; k--) {
          const first = emit(node.items[k] as Node, next);
          program.push({ op: SPLIT, next: first, alt: at });
          at = program.length - 1;
        }
        return at;
      }
      case "star": {
        const loop = program.length;
        program.push({ op: SPLIT, next: -1, alt: next });
        (program[loop] as Instr).next = emit(node.item, loop);
        return loop;
      }
    }
  };
  const start = emit(tree, 0);
  return { source: pattern.source, program, start };
}

/** Work done by {@link firstMatch}: one step per thread added or character tested. */
export interface StepCounter {
  steps: number;
}

/**
 * Index where `pattern` first matches in `text` (the `index` of `RegExp.prototype.exec`), or
 * -1. Linear: at most 2 × program length + 1 steps per character of `text`, added to `counter`.
 */
export function firstMatch(pattern: LinearPattern, text: string, counter?: StepCounter): number {
  const { program, start } = pattern;
  const size = program.length;
  const marks = new Int32Array(size).fill(-1);
  let current: number[] = [];
  let currentStarts: number[] = [];
  let next: number[] = [];
  let nextStarts: number[] = [];
  let best = -1;
  let steps = 0;
  const anchored = (program[start] as Instr).op === BOL;

  // Adds the thread at `pc` and its epsilon closure to the `next` list, for position `pos`.
  const add = (pc: number, from: number, pos: number) => {
    steps++;
    if (marks[pc] === pos) return;
    marks[pc] = pos;
    const ins = program[pc] as Instr;
    switch (ins.op) {
      case CHAR:
        next.push(pc);
        nextStarts.push(from);
        return;
      case SPLIT:
        add(ins.next, from, pos);
        add(ins.alt, from, pos);
        return;
      case BOL:
        if (pos === 0 || isLineEnd(text.charCodeAt(pos - 1))) add(ins.next, from, pos);
        return;
      case EOL:
        if (pos === text.length || isLineEnd(text.charCodeAt(pos))) add(ins.next, from, pos);
        return;
      case MATCH:
        if (best === -1 || from < best) best = from;
        return;
    }
  };

  for (let pos = 0; pos <= text.length; pos++) {
    // Threads are kept in order of their start, so the first to reach an instruction is the
    // one that started earliest, and a later start is never needed once a match is known.
    // A pattern that starts with `^` can only start at a line start: no thread elsewhere.
    if (best === -1 && (!anchored || pos === 0 || isLineEnd(text.charCodeAt(pos - 1)))) add(start, pos, pos);
    [current, next] = [next, current];
    [currentStarts, nextStarts] = [nextStarts, currentStarts];
    next.length = 0;
    nextStarts.length = 0;
    if (current.length === 0) {
      if (best !== -1) break;
      continue;
    }
    if (pos === text.length) break;
    const c = text.charCodeAt(pos);
    for (let k = 0; k < current.length; k++) {
      const from = currentStarts[k] as number;
      if (best !== -1 && from >= best) break;
      const ins = program[current[k] as number] as Instr;
      steps++;
      if (ins.test?.(c)) add(ins.next, from, pos + 1);
    }
  }
  if (counter) counter.steps += steps;
  return best;
}
