/**
 * One program invocation as the rules see it: the program's canonical name and its arguments,
 * after the wrappers that only change HOW a command runs (sudo, env, nice, timeout, xargs, npx…)
 * have been peeled off — so `sudo env FOO=1 nice -n 19 /usr/bin/git reset --hard` is `git reset --hard`.
 */
import type { SimpleCommand, Word } from "./lexer";

export class Invocation {
  readonly args: string[];
  private positionalCache: string[] | null = null;

  constructor(
    readonly name: string,
    readonly words: Word[],
    readonly command: SimpleCommand,
  ) {
    this.args = words.map((w) => w.text);
  }

  /** Arguments that are not options (`--` ends options). Option values are included: rules must not rely on their position alone. */
  positionals(): string[] {
    if (this.positionalCache) return this.positionalCache;
    const out: string[] = [];
    let options = true;
    for (const w of this.words) {
      if (options && w.text === "--" && !w.quoted) {
        options = false;
        continue;
      }
      if (options && w.text.length > 1 && w.text.startsWith("-") && !/^-\d+$/.test(w.text)) continue;
      out.push(w.text);
    }
    this.positionalCache = out;
    return out;
  }

  /** A long option (`--force`, also `--force=…`) or an exact single-dash word (`-delete`). */
  has(...flags: string[]): boolean {
    for (const a of this.optionArgs()) {
      for (const f of flags) if (a === f || a.startsWith(`${f}=`)) return true;
    }
    return false;
  }

  /** A short option letter, alone or in a cluster (`-f`, `-rf`, `-fdx`); never matches `--long` words. */
  short(letter: string): boolean {
    for (const a of this.optionArgs()) {
      if (a.length > 1 && a[0] === "-" && a[1] !== "-" && /^-[A-Za-z0-9]+$/.test(a) && a.includes(letter)) return true;
    }
    return false;
  }

  /** The value of `--name=V`, `--name V`, `-n V` or `-nV` (first occurrence). */
  value(...names: string[]): string | undefined {
    const args = this.args;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === "--") break;
      for (const n of names) {
        if (a === n) return args[i + 1];
        if (n.startsWith("--") && a.startsWith(`${n}=`)) return a.slice(n.length + 1);
        if (!n.startsWith("--") && n.length === 2 && a.startsWith(n) && a.length > 2 && !a.startsWith("--")) return a.slice(2);
      }
    }
    return undefined;
  }

  /** Everything after `--` (e.g. `kubectl exec pod -- cmd`). */
  afterDoubleDash(): Word[] | null {
    const i = this.words.findIndex((w) => w.text === "--" && !w.quoted);
    return i === -1 ? null : this.words.slice(i + 1);
  }

  text(): string {
    return [this.name, ...this.args].join(" ");
  }

  private optionArgs(): string[] {
    const out: string[] = [];
    for (const w of this.words) {
      if (w.text === "--" && !w.quoted) break;
      if (w.text.startsWith("-")) out.push(w.text);
    }
    return out;
  }
}

/** `/usr/bin/git` → `git`, `python3.11` → `python`, `mkfs.ext4` → `mkfs`, `kafka-topics.sh` → `kafka-topics`. */
export function canonicalName(raw: string): string {
  let name = raw.slice(raw.lastIndexOf("/") + 1);
  if (name.endsWith(".exe")) name = name.slice(0, -4);
  if (name.endsWith(".sh") && name.length > 3) name = name.slice(0, -3);
  const family = /^(python|pip|node|ruby|perl|php|bash|zsh|dash|ksh|mksh|pypy|deno|bun)(\d+(\.\d+)*)?$/.exec(name);
  if (family) return family[1] === "pypy" ? "python" : family[1]!;
  const dotted = /^(mkfs|mke2fs|fsck)\./.exec(name);
  if (dotted) return dotted[1]!;
  return name;
}

interface WrapperSpec {
  /** Options that take the next word as their value. */
  valueOptions?: readonly string[];
  /** Positional words the wrapper itself takes before the command (timeout's duration, taskset's mask). */
  positionals?: number;
  /** Leading `NAME=value` words are the wrapper's (env). */
  assignments?: boolean;
}

const WRAPPERS: Record<string, WrapperSpec> = {
  sudo: {
    valueOptions: [
      "-u",
      "-g",
      "-h",
      "-p",
      "-C",
      "-r",
      "-t",
      "-U",
      "-D",
      "-T",
      "-R",
      "--user",
      "--group",
      "--host",
      "--prompt",
      "--close-from",
      "--role",
      "--type",
      "--other-user",
      "--chdir",
      "--chroot",
      "--command-timeout",
    ],
    assignments: true,
  },
  doas: { valueOptions: ["-u", "-C"] },
  env: { valueOptions: ["-u", "-C", "--unset", "--chdir"], assignments: true },
  nice: { valueOptions: ["-n", "--adjustment"] },
  ionice: { valueOptions: ["-c", "-n", "-p", "--class", "--classdata"] },
  nohup: {},
  setsid: {},
  unbuffer: {},
  caffeinate: { valueOptions: ["-t", "-w"] },
  stdbuf: { valueOptions: ["-i", "-o", "-e"] },
  chrt: { positionals: 1 },
  taskset: { positionals: 1 },
  timeout: { valueOptions: ["-s", "-k", "--signal", "--kill-after"], positionals: 1 },
  watch: { valueOptions: ["-n", "-d", "--interval", "-q"] },
  time: { valueOptions: ["-f", "-o", "--format", "--output"] },
  command: { valueOptions: [] },
  builtin: {},
  exec: { valueOptions: ["-a"] },
  xargs: {
    valueOptions: [
      "-I",
      "-i",
      "-n",
      "-P",
      "-L",
      "-l",
      "-d",
      "-E",
      "-e",
      "-s",
      "-a",
      "--max-args",
      "--max-procs",
      "--max-lines",
      "--delimiter",
      "--arg-file",
      "--replace",
    ],
  },
  flock: { valueOptions: ["-w", "-E", "--timeout", "--conflict-exit-code"], positionals: 1 },
  chroot: { valueOptions: ["--userspec", "--groups"], positionals: 1 },
  strace: { valueOptions: ["-o", "-e", "-p", "-s", "-u", "-E", "-P", "-I", "-b", "-a", "-X"] },
  ltrace: { valueOptions: ["-o", "-e", "-p", "-s", "-u", "-n", "-a"] },
  npx: { valueOptions: ["-p", "--package", "-c", "--call"] },
  bunx: { valueOptions: ["-p", "--package"] },
  pnpx: { valueOptions: [] },
  uvx: { valueOptions: ["--from", "--with", "-p", "--python"] },
  runuser: { valueOptions: ["-u", "-g", "-G", "--user", "--group"] },
};

/** Commands that are wrappers only with a particular first argument (`doppler run -- cmd`, `pnpm dlx cmd`). */
const SUB_WRAPPERS: Record<string, string[]> = {
  doppler: ["run"],
  pnpm: ["dlx", "exec"],
  yarn: ["dlx", "exec"],
  pipx: ["run"],
  uv: ["run"],
  poetry: ["run"],
  bundle: ["exec"],
  infisical: ["run"],
  op: ["run"],
};

export interface Unwrapped {
  words: Word[];
  /** A wrapper that runs a script string (`su -c '…'`, `env -S '…'`): analyse it as a script. */
  script?: string;
  /** `command -v x`, `type x`: a lookup, not an execution. */
  lookupOnly?: boolean;
}

/** Peels wrappers off the front of `words` (bounded: wrappers can nest, `sudo env nice …`). */
export function unwrap(words: Word[]): Unwrapped {
  let rest = words;
  for (let round = 0; round < 8 && rest.length > 0; round++) {
    const name = canonicalName(rest[0]!.text);
    const sub = SUB_WRAPPERS[name];
    if (sub) {
      if (!sub.includes(rest[1]?.text ?? "")) break;
      const dd = rest.findIndex((w, i) => i > 1 && w.text === "--");
      rest = dd === -1 ? skipOptions(rest.slice(2), {}) : rest.slice(dd + 1);
      continue;
    }
    if (name === "command" && rest.slice(1).some((w) => w.text === "-v" || w.text === "-V")) return { words: rest, lookupOnly: true };
    if ((name === "su" || name === "runuser") && rest.some((w) => w.text === "-c" || w.text === "--command")) {
      const i = rest.findIndex((w) => w.text === "-c" || w.text === "--command");
      return { words: [], script: rest[i + 1]?.text ?? "" };
    }
    if (name === "env") {
      const i = rest.findIndex((w) => w.text === "-S" || w.text.startsWith("--split-string"));
      if (i !== -1) {
        const w = rest[i]!;
        return { words: [], script: w.text.includes("=") ? w.text.slice(w.text.indexOf("=") + 1) : (rest[i + 1]?.text ?? "") };
      }
    }
    const spec = WRAPPERS[name];
    if (!spec) break;
    rest = skipOptions(rest.slice(1), spec);
  }
  return { words: rest };
}

function skipOptions(words: Word[], spec: WrapperSpec): Word[] {
  let i = 0;
  const valueOptions = new Set(spec.valueOptions ?? []);
  while (i < words.length) {
    const t = words[i]!.text;
    if (t === "--") {
      i++;
      break;
    }
    if (t.startsWith("-") && t.length > 1) {
      i += valueOptions.has(t) ? 2 : 1;
      continue;
    }
    if (spec.assignments && /^[A-Za-z_][A-Za-z0-9_]*=/.test(t)) {
      i++;
      continue;
    }
    break;
  }
  return words.slice(Math.min(words.length, i + (spec.positionals ?? 0)));
}
