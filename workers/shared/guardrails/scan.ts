/**
 * The guardrail scanner: from a command line, SQL, an HTTP call or a JSON body to the list of
 * destructive operations it contains (registry.ts). Pure and synchronous — no I/O, no clock — so
 * the API, MCP, the egress gate, the relay's judge, the eval and the bench run the same code.
 *
 * A command line is read with the shell reader (shell/lexer.ts) into every simple command it would
 * run; wrappers are peeled (shell/invocation.ts); shells' `-c` strings, heredocs and here-strings
 * fed to shells or interpreters, `eval`, `ssh` remote commands, `find -exec`, `docker/kubectl exec`,
 * interpreters' one-liners and SQL clients' statements are read again, recursively (bounded).
 * What is only DATA — echo's arguments, a heredoc fed to `cat`, a commit message, a JSON field that
 * nobody executes — is never read as a command.
 */
import { analyzeCode } from "./code";
import { analyzeGraphql, analyzeHttp, jsonExecutables, type Executable, type HttpCall } from "./http";
import { isBlockDevice } from "./paths";
import { finding, type Finding } from "./registry";
import { CLIENT_RULES } from "./rules/clients";
import { FILESYSTEM_RULES, judgeDelete } from "./rules/filesystem";
import { git } from "./rules/git";
import { MANAGEMENT_RULES } from "./rules/management";
import { SYSTEM_RULES } from "./rules/system";
import type { CommandRule, Scanner } from "./rules/types";
import { parseShell, UNKNOWN, type SimpleCommand, type Word } from "./shell/lexer";
import { canonicalName, Invocation, unwrap } from "./shell/invocation";
import { analyzeSql, looksLikeSql } from "./sql";

const MAX_DEPTH = 6;
const MAX_COMMANDS = 2_000;

const SHELLS = new Set(["bash", "sh", "zsh", "dash", "ksh", "mksh", "ash", "fish", "rbash", "tcsh", "csh"]);
/** Interpreters and the options that pass them code on the command line. */
const INTERPRETERS: Record<string, readonly string[]> = {
  python: ["-c"],
  node: ["-e", "--eval", "-p", "--print"],
  bun: ["-e", "--eval", "-p", "--print"],
  deno: ["eval"],
  ruby: ["-e"],
  perl: ["-e", "-E"],
  php: ["-r"],
  lua: ["-e"],
  Rscript: ["-e"],
};
const SYSTEM_WRITE_DIRS = /^\/(etc|boot|usr|bin|sbin|lib|lib64|System)\//;
/** A function definition's head, anchored at a word start so the scan stays linear (no backtracking from inside a long word). */
const FUNCTION_HEAD = /(?<![\w:])([A-Za-z_:][\w:]*)\s*\(\)\s*\{/g;

/** `:(){ :|:& };:` in any spelling: a function whose body pipes itself into itself in the background. */
function isForkBomb(text: string): boolean {
  if (!text.includes("()")) return false;
  for (const m of text.matchAll(FUNCTION_HEAD)) {
    const start = m.index + m[0].length;
    const end = text.indexOf("}", start);
    const body = text.slice(start, end === -1 ? text.length : end);
    const name = m[1]!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    if (new RegExp(`(?<![\\w:])${name}\\s*\\|\\s*${name}\\s*&`).test(body)) return true;
  }
  return false;
}

const RULES: Record<string, CommandRule> = { ...MANAGEMENT_RULES, ...CLIENT_RULES, ...SYSTEM_RULES, ...FILESYSTEM_RULES, git };

class Scan implements Scanner {
  readonly out: Finding[] = [];
  private depth = 0;
  private commands = 0;

  shell(text: string): void {
    if (this.depth >= MAX_DEPTH) return;
    this.depth++;
    try {
      if (isForkBomb(text)) this.out.push(finding("shell.fork_bomb", "a function that spawns itself twice in the background", text));
      for (const cmd of parseShell(text).commands) this.command(cmd);
    } finally {
      this.depth--;
    }
  }

  words(words: Word[], cmd: SimpleCommand): void {
    if (this.depth >= MAX_DEPTH) return;
    this.depth++;
    try {
      this.invocation(words, cmd);
    } finally {
      this.depth--;
    }
  }

  sql(text: string): void {
    analyzeSql(text, this.out);
  }

  code(text: string, where: string): void {
    for (const effect of analyzeCode(text)) {
      if (effect.kind === "shell") this.shell(effect.text);
      else if (effect.kind === "sql") this.sql(effect.text);
      else if (effect.kind === "document_drop")
        this.out.push(finding("db.document_drop", `${where}: ${effect.call} drops data`, effect.call));
      else judgeDelete(effect.path === null ? [UNKNOWN] : [effect.path], effect.recursive, `${where}: ${effect.call}`, this.out);
    }
  }

  http(call: HttpCall): void {
    this.executables(analyzeHttp(call, this.out));
  }

  executables(list: Executable[]): void {
    for (const e of list) {
      if (e.kind === "shell") this.shell(e.text);
      else if (e.kind === "sql") this.sql(e.text);
      else if (e.kind === "graphql") analyzeGraphql(e.text, this.out);
      else this.code(e.text, "code");
    }
  }

  private command(cmd: SimpleCommand): void {
    if (++this.commands > MAX_COMMANDS) return;
    for (const r of cmd.redirects) {
      if (!r.op.includes(">") || r.op.endsWith("&")) continue;
      const target = r.target.text;
      if (isBlockDevice(target)) this.out.push(finding("fs.disk_overwrite", `writes raw to ${target}`, `> ${target}`));
      else if (SYSTEM_WRITE_DIRS.test(target)) this.out.push(finding("fs.system_file_overwrite", `overwrites ${target}`, `> ${target}`));
    }
    if (cmd.words.length) this.invocation(cmd.words, cmd);
  }

  private invocation(all: Word[], cmd: SimpleCommand): void {
    const unwrapped = unwrap(all);
    if (unwrapped.script !== undefined) return this.shell(unwrapped.script);
    if (unwrapped.lookupOnly) return;
    const [head, ...args] = unwrapped.words;
    if (!head) return;
    if (head.text.includes(UNKNOWN) || (head.dynamic && head.text.startsWith("$"))) {
      this.out.push(
        finding(
          "shell.hidden_command",
          "the command's name is computed at run time, so it cannot be checked",
          [head.text.replaceAll(UNKNOWN, "$(…)"), ...args.map((a) => a.text)].join(" "),
        ),
      );
      return;
    }
    let name = canonicalName(head.text);
    let rest = args;
    if (name === "busybox" || name === "toybox") return this.invocation(args, cmd);
    if (name === "java") {
      const jar = args.findIndex((a) => a.text === "-jar");
      if (jar === -1 || !args[jar + 1]) return;
      name = canonicalName(args[jar + 1]!.text.replace(/\.jar$/, "").replace(/-[\d.]+$/, ""));
      rest = args.slice(jar + 2);
    }
    if (rest.some((a) => a.text === "--help" && !a.quoted) && name !== "curl") return;
    const inv = new Invocation(name, rest, cmd);
    if (SHELLS.has(name)) return this.shellInvocation(inv);
    if (name === "eval") return this.shell(rest.map((a) => a.text).join(" "));
    if (name in INTERPRETERS) return this.interpreter(inv, INTERPRETERS[name]!);
    if (name === "xargs") return;
    RULES[name]?.(inv, this);
  }

  /** `bash -c '…'`, `sh <<EOF`, `sh <<<'…'`, `echo '…' | sh`, `curl … | sh`. */
  private shellInvocation(inv: Invocation): void {
    const w = inv.words;
    const c = w.findIndex((x) => /^-[A-Za-z]*c[A-Za-z]*$/.test(x.text) || x.text === "--command");
    if (c !== -1) {
      const script = w.slice(c + 1).find((x) => !x.text.startsWith("-"));
      if (script) this.shell(script.text);
      return;
    }
    if (inv.positionals().length > 0) return; // `bash script.sh`: the file is not visible here
    this.stdin(inv, (text) => this.shell(text));
    const from = inv.command.pipedFrom;
    if (from && ["curl", "wget"].includes(canonicalName(from.words[0]?.text ?? "")))
      this.out.push(finding("shell.remote_script", "a downloaded script is run without being read first", inv.text()));
  }

  private interpreter(inv: Invocation, options: readonly string[]): void {
    for (const o of options) {
      const i = inv.words.findIndex((x) => x.text === o);
      if (i !== -1 && inv.words[i + 1]) this.code(inv.words[i + 1]!.text, `${inv.name} ${o}`);
    }
    if (inv.positionals().length === 0 || inv.args.includes("-")) this.stdin(inv, (text) => this.code(text, inv.name));
  }

  /** Text a command reads on standard input: heredocs, here-strings, `echo … |`. */
  private stdin(inv: Invocation, read: (text: string) => void): void {
    for (const h of inv.command.heredocs) read(h.body);
    for (const s of inv.command.hereStrings) read(s.text);
    const from = inv.command.pipedFrom;
    if (from && from.words.length > 1 && ["echo", "printf"].includes(from.words[0]!.text))
      read(
        from.words
          .slice(1)
          .map((x) => x.text)
          .filter((t) => !/^-[neE]+$/.test(t))
          .join(" "),
      );
  }
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.ruleId}\u0000${f.match}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A command line (any shell syntax). Text that reads as SQL is also read as SQL. */
export function scanCommand(text: string): Finding[] {
  const scan = new Scan();
  scan.shell(text);
  if (looksLikeSql(text)) scan.sql(text);
  return dedupe(scan.out);
}

export function scanSql(text: string): Finding[] {
  const scan = new Scan();
  scan.sql(text);
  return dedupe(scan.out);
}

/** An HTTP call: method, URL, and the executable parts of its body. */
export function scanHttp(call: HttpCall): Finding[] {
  const scan = new Scan();
  scan.http(call);
  return dedupe(scan.out);
}

/** A JSON body (a relay request, an API payload): only the fields a receiver executes are read. */
export function scanJson(json: unknown): Finding[] {
  const scan = new Scan();
  if (typeof json === "string") scan.executables(fencedCode(json));
  else scan.executables(jsonExecutables(json));
  return dedupe(scan.out);
}

/** Shell code blocks in prose (```sh … ```): an instruction to run them. */
function fencedCode(text: string): Executable[] {
  const out: Executable[] = [];
  for (const m of text.matchAll(/```(sh|bash|shell|zsh|console|sql)?[ \t]*\n([\s\S]*?)```/g)) {
    out.push({ kind: m[1] === "sql" ? "sql" : "shell", text: m[1] === "console" ? m[2]!.replace(/^\$ /gm, "") : m[2]! });
  }
  return out;
}
