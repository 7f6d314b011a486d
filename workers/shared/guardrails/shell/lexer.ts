/**
 * A static reader for POSIX/bash command lines, built for one job: find every command a line would
 * run — including those hidden in command and process substitutions, subshells, groups, pipelines,
 * heredocs fed to a shell — with each word unquoted exactly as the shell would see it, without
 * running anything. It never throws: unbalanced quotes or parentheses end at the end of the text.
 *
 * Hand-written, after measuring the npm candidates on the guardrail evaluation set
 * (docs/governance.md "Why our own shell reader"): `@ericcornelissen/bash-parser` 0.5.3 ~790 µs per
 * command (16× the 50 µs budget) and it parses heredoc bodies as commands (`cat <<EOF` data would
 * be flagged); `sh-syntax` 0.7.0 (mvdan/sh in WASM) ~16 ms per call through its async API;
 * `mvdan-sh` is deprecated by its author for `sh-syntax`; `shell-quote` 1.12.0 (~18 µs) is a
 * word splitter only — it reads a newline as a space, a heredoc body as arguments and `$(…)` as
 * the word `$` plus operators, so the structure would need a second, quote-aware pass of our own,
 * and two parsers that can disagree about quoting are exactly what an evasion exploits. One pass
 * that does quoting and structure together is smaller than that pair and cannot disagree with itself.
 *
 * Output: a flat list of simple commands in execution order (nested scripts are appended after the
 * command that contains them), each with its words, redirections, heredoc bodies, here-strings and
 * the command whose output it reads in a pipeline.
 */

export interface Word {
  /** The word as the shell passes it, quotes removed; unresolved expansions kept as `$NAME` / `\u0000`. */
  text: string;
  /** Some part was quoted (so a leading `-` or glob characters are literal). */
  quoted: boolean;
  /** Contains an expansion whose value is unknown statically (a variable, a command substitution). */
  dynamic: boolean;
  /** Contains an unquoted glob character (`*`, `?`, `[`). */
  glob: boolean;
}

export interface Redirect {
  op: string;
  target: Word;
}

export interface Heredoc {
  body: string;
  /** The delimiter was quoted: the body is taken literally (no expansion). */
  literal: boolean;
}

export interface SimpleCommand {
  words: Word[];
  redirects: Redirect[];
  heredocs: Heredoc[];
  hereStrings: Word[];
  /** The previous command of the same pipeline (its output is this command's input), if any. */
  pipedFrom: SimpleCommand | null;
  /** How deep in substitutions/subshells this command sits (0 = top level). */
  depth: number;
}

export interface ParsedScript {
  commands: SimpleCommand[];
  /** The text was cut (too long or nested too deep): what was read is analysed, the rest is not. */
  truncated: boolean;
}

export const MAX_SCRIPT_CHARS = 65_536;
export const MAX_NESTING = 8;

/** A known command substitution is unresolvable: its value is this marker. */
export const UNKNOWN = "\u0000";

interface Frame {
  commands: SimpleCommand[];
  truncated: boolean;
  /** Static variables assigned earlier in the script (`X=git; $X reset --hard`). */
  vars: Map<string, string>;
}

export function parseShell(text: string, vars: Map<string, string> = new Map()): ParsedScript {
  const frame: Frame = { commands: [], truncated: text.length > MAX_SCRIPT_CHARS, vars };
  new Reader(text.length > MAX_SCRIPT_CHARS ? text.slice(0, MAX_SCRIPT_CHARS) : text, frame, 0).script(null);
  return { commands: frame.commands, truncated: frame.truncated };
}

const OPERATOR_START = new Set([";", "&", "|", "\n", "(", ")", "<", ">"]);
const BLANK = new Set([" ", "\t", "\r"]);
const RESERVED = new Set([
  "{",
  "}",
  "!",
  "if",
  "then",
  "else",
  "elif",
  "fi",
  "do",
  "done",
  "while",
  "until",
  "for",
  "case",
  "esac",
  "in",
  "select",
  "function",
  "coproc",
  "[[",
  "]]",
]);

class Reader {
  private i = 0;
  private readonly pendingHeredocs: Array<{ delim: string; strip: boolean; literal: boolean; into: SimpleCommand }> = [];

  constructor(
    private readonly s: string,
    private readonly frame: Frame,
    private readonly depth: number,
  ) {}

  /** Reads commands until `close` (a `)` for subshells/substitutions) or the end. Returns the index after `close`. */
  script(close: ")" | null): number {
    let previous: SimpleCommand | null = null;
    let piped = false;
    const s = this.s;
    while (this.i < s.length) {
      this.skipBlanks();
      if (this.i >= s.length) break;
      const c = s[this.i]!;
      if (c === "#") {
        while (this.i < s.length && s[this.i] !== "\n") this.i++;
        continue;
      }
      if (c === "\n") {
        this.i++;
        this.readHeredocBodies();
        previous = null;
        piped = false;
        continue;
      }
      if (c === ")") {
        this.i++;
        if (close === ")") return this.i;
        continue; // a stray `)`: ignore
      }
      if (c === ";" || c === "&") {
        this.i += s[this.i + 1] === c || (c === ";" && s[this.i + 1] === "&") ? 2 : 1;
        previous = null;
        piped = false;
        continue;
      }
      if (c === "|") {
        if (s[this.i + 1] === "|") {
          this.i += 2;
          previous = null;
          piped = false;
        } else {
          this.i += s[this.i + 1] === "&" ? 2 : 1;
          piped = true;
        }
        continue;
      }
      if (c === "(") {
        // `((…))` arithmetic is not a command; `(…)` is a subshell whose commands run.
        if (s[this.i + 1] === "(") {
          this.i = skipBalanced(s, this.i + 2, "(", ")");
          continue;
        }
        this.i++;
        this.i = this.nested(this.i);
        continue;
      }
      const cmd = this.simpleCommand(piped ? previous : null);
      if (cmd) {
        previous = cmd;
        piped = false;
      }
    }
    return this.i;
  }

  /** Parses a nested script starting at `start` up to its closing `)`; its commands join the list. */
  private nested(start: number): number {
    if (this.depth + 1 > MAX_NESTING) {
      this.frame.truncated = true;
      return skipBalanced(this.s, start, "(", ")");
    }
    const inner = new Reader(this.s, this.frame, this.depth + 1);
    inner.i = start;
    return inner.script(")");
  }

  private skipBlanks(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s[this.i]!;
      if (BLANK.has(c)) this.i++;
      else if (c === "\\" && s[this.i + 1] === "\n") this.i += 2;
      else break;
    }
  }

  private simpleCommand(pipedFrom: SimpleCommand | null): SimpleCommand | null {
    const cmd: SimpleCommand = { words: [], redirects: [], heredocs: [], hereStrings: [], pipedFrom, depth: this.depth };
    const s = this.s;
    const assignments: Array<[string, string]> = [];
    for (;;) {
      this.skipBlanks();
      if (this.i >= s.length) break;
      const c = s[this.i]!;
      // A redirection: optional fd digits or `&`, then the operator.
      const redirect = this.redirectOperator();
      if (redirect) {
        this.handleRedirect(cmd, redirect);
        continue;
      }
      if (OPERATOR_START.has(c)) {
        if (c === "(" && cmd.words.length > 0) {
          // `name() { …; }` (a function definition) or `arr=(…)`: skip the parentheses.
          this.i = skipBalanced(s, this.i + 1, "(", ")");
          continue;
        }
        break;
      }
      if (c === "#" && cmd.words.length === 0) break;
      const word = this.word();
      if (!word) break;
      if (cmd.words.length === 0) {
        // Leading assignments and reserved words are not the command.
        const assign = /^([A-Za-z_][A-Za-z0-9_]*)\+?=/.exec(word.text);
        if (assign && !word.text.startsWith("=")) {
          assignments.push([assign[1]!, word.text.slice(assign[0].length)]);
          continue;
        }
        if (RESERVED.has(word.text) && !word.quoted) continue;
      }
      cmd.words.push(word);
    }
    // `X=git` alone sets a variable for the rest of the script; `X=1 cmd` only for cmd (ignored: it cannot rename cmd).
    if (cmd.words.length === 0) {
      for (const [k, v] of assignments) if (!v.includes(UNKNOWN)) this.frame.vars.set(k, v);
    }
    if (cmd.words.length === 0 && cmd.redirects.length === 0 && cmd.heredocs.length === 0 && cmd.hereStrings.length === 0) return null;
    this.frame.commands.push(cmd);
    return cmd;
  }

  private redirectOperator(): string | null {
    const s = this.s;
    let j = this.i;
    while (j < s.length && s.charCodeAt(j) >= 48 && s.charCodeAt(j) <= 57) j++;
    if (j === this.i && s[j] === "&" && s[j + 1] === ">") j++;
    const c = s[j];
    if (c !== "<" && c !== ">") return null;
    // `<(…)` / `>(…)` are process substitutions (words), not redirections.
    if (s[j + 1] === "(" && j === this.i) return null;
    const three = s.slice(j, j + 3);
    const two = s.slice(j, j + 2);
    let op: string;
    if (three === "<<<" || three === "<<-" || three === ">>|") op = three;
    else if (two === "<<" || two === ">>" || two === ">|" || two === "<>" || two === ">&" || two === "<&") op = two;
    else op = c;
    const prefix = s.slice(this.i, j);
    this.i = j + op.length;
    return prefix.startsWith("&") ? `&${op}` : op;
  }

  private handleRedirect(cmd: SimpleCommand, op: string): void {
    this.skipBlanks();
    if (op === "<<" || op === "<<-") {
      const start = this.i;
      const word = this.word();
      const raw = this.s.slice(start, this.i);
      const literal = /['"\\]/.test(raw);
      this.pendingHeredocs.push({ delim: word?.text ?? "", strip: op === "<<-", literal, into: cmd });
      return;
    }
    const target = this.word();
    if (!target) return;
    if (op === "<<<") cmd.hereStrings.push(target);
    else cmd.redirects.push({ op, target });
  }

  /** After a newline: the bodies of the heredocs opened on the line just ended. */
  private readHeredocBodies(): void {
    const s = this.s;
    while (this.pendingHeredocs.length > 0) {
      const h = this.pendingHeredocs.shift()!;
      const lines: string[] = [];
      while (this.i < s.length) {
        let end = s.indexOf("\n", this.i);
        if (end === -1) end = s.length;
        let line = s.slice(this.i, end);
        this.i = Math.min(end + 1, s.length);
        if (h.strip) line = line.replace(/^\t+/, "");
        if (line === h.delim || line.replace(/\r$/, "") === h.delim) break;
        lines.push(line);
      }
      h.into.heredocs.push({ body: lines.join("\n"), literal: h.literal });
    }
  }

  /** One shell word (quotes removed, escapes applied, substitutions parsed as nested scripts). */
  private word(): Word | null {
    const s = this.s;
    let text = "";
    let quoted = false;
    let dynamic = false;
    let glob = false;
    const start = this.i;
    while (this.i < s.length) {
      const c = s[this.i]!;
      if (BLANK.has(c) || c === "\n" || c === ";" || c === "&" || c === "|" || c === ")") break;
      if ((c === "<" || c === ">") && s[this.i + 1] !== "(") break;
      if (c === "(") {
        // `<(` / `>(` handled below; a bare `(` inside a word (e.g. `arr=(…)`, extglob) ends it.
        break;
      }
      if (c === "\\") {
        const next = s[this.i + 1];
        if (next === undefined) {
          this.i++;
          break;
        }
        if (next !== "\n") {
          text += next;
          quoted = true;
        }
        this.i += 2;
        continue;
      }
      if (c === "'") {
        const end = s.indexOf("'", this.i + 1);
        const stop = end === -1 ? s.length : end;
        text += s.slice(this.i + 1, stop);
        quoted = true;
        this.i = stop + 1;
        continue;
      }
      if (c === '"') {
        const part = this.doubleQuoted();
        text += part.text;
        dynamic ||= part.dynamic;
        quoted = true;
        continue;
      }
      if (c === "$") {
        const next = s[this.i + 1];
        if (next === "'") {
          const part = this.ansiC();
          text += part;
          quoted = true;
          continue;
        }
        if (next === '"') {
          this.i++;
          continue; // `$"…"` is a translated string: read it as "…"
        }
        const part = this.dollar();
        text += part.text;
        dynamic ||= part.dynamic;
        continue;
      }
      if (c === "`") {
        const part = this.backtick();
        text += part.text;
        dynamic ||= part.dynamic;
        continue;
      }
      if ((c === "<" || c === ">") && s[this.i + 1] === "(") {
        this.i = this.nested(this.i + 2);
        text += UNKNOWN;
        dynamic = true;
        continue;
      }
      if (c === "*" || c === "?" || c === "[") glob = true;
      if (c === "~" && text === "") {
        text += "~";
        this.i++;
        continue;
      }
      text += c;
      this.i++;
    }
    if (this.i === start) return null;
    return { text, quoted, dynamic, glob };
  }

  private doubleQuoted(): { text: string; dynamic: boolean } {
    const s = this.s;
    let text = "";
    let dynamic = false;
    this.i++; // opening quote
    while (this.i < s.length && s[this.i] !== '"') {
      const c = s[this.i]!;
      if (c === "\\") {
        const next = s[this.i + 1];
        if (next === '"' || next === "\\" || next === "$" || next === "`") {
          text += next;
          this.i += 2;
        } else if (next === "\n") {
          this.i += 2;
        } else {
          text += c;
          this.i++;
        }
        continue;
      }
      if (c === "$" && s[this.i + 1] !== undefined && s[this.i + 1] !== '"' && s[this.i + 1] !== " ") {
        const part = this.dollar();
        text += part.text;
        dynamic ||= part.dynamic;
        continue;
      }
      if (c === "`") {
        const part = this.backtick();
        text += part.text;
        dynamic ||= part.dynamic;
        continue;
      }
      text += c;
      this.i++;
    }
    this.i++; // closing quote (or past the end)
    return { text, dynamic };
  }

  /** `$'…'`: C-style escapes decoded (`$'\x67it'` is `git`). */
  private ansiC(): string {
    const s = this.s;
    this.i += 2;
    let out = "";
    while (this.i < s.length && s[this.i] !== "'") {
      const c = s[this.i]!;
      if (c !== "\\") {
        out += c;
        this.i++;
        continue;
      }
      const n = s[this.i + 1] ?? "";
      const simple: Record<string, string> = {
        n: "\n",
        t: "\t",
        r: "\r",
        a: "\x07",
        b: "\b",
        e: "\x1b",
        E: "\x1b",
        f: "\f",
        v: "\v",
        "\\": "\\",
        "'": "'",
        '"': '"',
        "?": "?",
      };
      if (n in simple) {
        out += simple[n];
        this.i += 2;
      } else if (n === "x") {
        const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(this.i + 2, this.i + 4));
        out += m ? String.fromCharCode(parseInt(m[0], 16)) : "x";
        this.i += 2 + (m?.[0].length ?? 0);
      } else if (n === "u" || n === "U") {
        const m = /^[0-9a-fA-F]{1,8}/.exec(s.slice(this.i + 2, this.i + (n === "u" ? 6 : 10)));
        out += m ? String.fromCodePoint(Math.min(parseInt(m[0], 16), 0x10ffff)) : n;
        this.i += 2 + (m?.[0].length ?? 0);
      } else if (/[0-7]/.test(n)) {
        const m = /^[0-7]{1,3}/.exec(s.slice(this.i + 1, this.i + 4))!;
        out += String.fromCharCode(parseInt(m[0], 8));
        this.i += 1 + m[0].length;
      } else {
        out += "\\" + n;
        this.i += 2;
      }
    }
    this.i++;
    return out;
  }

  /** `$NAME`, `${…}`, `$(…)`, `$((…))`, `$1`…: known variables resolve; the rest stay symbolic. */
  private dollar(): { text: string; dynamic: boolean } {
    const s = this.s;
    const next = s[this.i + 1];
    if (next === "(") {
      if (s[this.i + 2] === "(") {
        this.i = skipBalanced(s, this.i + 3, "(", ")");
        if (s[this.i] === ")") this.i++;
        return { text: UNKNOWN, dynamic: true };
      }
      const before = this.frame.commands.length;
      this.i = this.nested(this.i + 2);
      return { text: staticOutput(this.frame.commands.slice(before)) ?? UNKNOWN, dynamic: true };
    }
    if (next === "{") {
      const end = skipBalanced(s, this.i + 2, "{", "}");
      const inner = s.slice(this.i + 2, end - 1);
      this.i = end;
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(inner)?.[0];
      if (name && name === inner) return this.variable(name);
      return { text: name ? `$${name}` : UNKNOWN, dynamic: true };
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*|^[0-9@*#?$!-]/.exec(s.slice(this.i + 1, this.i + 65));
    if (!m) {
      this.i++;
      return { text: "$", dynamic: false };
    }
    this.i += 1 + m[0].length;
    return this.variable(m[0]);
  }

  private variable(name: string): { text: string; dynamic: boolean } {
    const known = this.frame.vars.get(name);
    if (known !== undefined) return { text: known, dynamic: false };
    return { text: `$${name}`, dynamic: true };
  }

  private backtick(): { text: string; dynamic: boolean } {
    const s = this.s;
    let j = this.i + 1;
    let inner = "";
    while (j < s.length && s[j] !== "`") {
      if (s[j] === "\\" && j + 1 < s.length) {
        inner += s[j + 1];
        j += 2;
      } else inner += s[j++];
    }
    this.i = j + 1;
    if (this.depth + 1 > MAX_NESTING) {
      this.frame.truncated = true;
      return { text: UNKNOWN, dynamic: true };
    }
    const before = this.frame.commands.length;
    new Reader(inner, this.frame, this.depth + 1).script(null);
    return { text: staticOutput(this.frame.commands.slice(before)) ?? UNKNOWN, dynamic: true };
  }
}

/** `$(echo git)` / `$(printf it)`: the output of a lone echo/printf of literal words, else null. */
function staticOutput(commands: SimpleCommand[]): string | null {
  if (commands.length !== 1) return null;
  const [name, ...args] = commands[0]!.words;
  if (!name || (name.text !== "echo" && name.text !== "printf") || args.some((a) => a.dynamic)) return null;
  const words = args.map((a) => a.text).filter((t) => !(name.text === "echo" && /^-[neE]+$/.test(t)));
  return name.text === "printf" ? (words[0] ?? "").replace(/\\n$/, "") : words.join(" ");
}

/** Index just past the `close` matching an already-consumed `open`, skipping quoted text. */
function skipBalanced(s: string, from: number, open: string, close: string): number {
  let depth = 1;
  let i = from;
  while (i < s.length) {
    const c = s[i]!;
    if (c === "\\") {
      i += 2;
      continue;
    }
    if (c === "'") {
      const end = s.indexOf("'", i + 1);
      i = end === -1 ? s.length : end + 1;
      continue;
    }
    if (c === '"') {
      i++;
      while (i < s.length && s[i] !== '"') i += s[i] === "\\" ? 2 : 1;
      i++;
      continue;
    }
    if (c === open) depth++;
    else if (c === close && --depth === 0) return i + 1;
    i++;
  }
  return s.length;
}
