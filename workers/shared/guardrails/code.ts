/**
 * Interpreter one-liners and heredoc scripts (`python -c`, `node -e`, `ruby -e`, `perl -e`,
 * `php -r`, `mongosh --eval`): the calls that run a shell command (their string arguments are read
 * as commands), that delete files (read as the equivalent `rm`), that send SQL to a database, or
 * that drop a document store. String literals elsewhere are data (`print("rm -rf /")`).
 */
export type CodeEffect =
  | { kind: "shell"; text: string }
  | { kind: "rm"; recursive: boolean; path: string | null; call: string }
  | { kind: "sql"; text: string }
  | { kind: "document_drop"; call: string };

/** Calls that run their argument through a shell or as an argv. */
const EXEC_CALL =
  /\b(?:os\.(?:system|popen|exec[lv]p?e?|spawn[lv]p?e?)|subprocess\.(?:run|call|check_call|check_output|Popen|getoutput|getstatusoutput)|commands\.getoutput|pty\.spawn|(?:child_process\.|cp\.|\b)(?:execSync|exec|spawnSync|spawn|execFileSync|execFile)|Deno\.(?:run|Command)|Bun\.(?:spawn|spawnSync|\$)|system|shell_exec|passthru|proc_open|popen|IO\.popen|Open3\.\w+|Kernel\.(?:system|exec|spawn)|qx)\s*[({]/g;
/** Recursive deletes. */
const RM_TREE =
  /\b(?:shutil\.rmtree|fs\.(?:rmSync|rm|promises\.rm)|(?:fs\.)?rmdirSync|fsPromises\.rm|rimraf(?:\.sync)?|FileUtils\.(?:rm_rf|rm_r|remove_dir|remove_entry_secure|remove_entry|rmtree)|File::Path::(?:rmtree|remove_tree)|rmtree|remove_tree|Deno\.remove)\s*\(/g;
/** Single-file deletes. */
const RM_FILE =
  /\b(?:os\.(?:remove|unlink|rmdir|removedirs)|fs\.(?:unlinkSync|unlink|promises\.unlink)|unlinkSync|FileUtils\.rm(?:_f)?|File\.(?:delete|unlink)|unlink|Path\([^)]*\)\.(?:unlink|rmdir))\s*\(/g;
/** Database calls taking SQL. */
const SQL_CALL = /\.(?:execute|executemany|executescript|exec|query|raw|run|prepare|sql)\s*\(/g;
const DOCUMENT_DROP = /\.(?:dropDatabase|drop)\s*\(\s*\)|\.(?:deleteMany|remove)\s*\(\s*\{\s*\}\s*\)|\bdb\.dropDatabase\b/g;

export function analyzeCode(code: string): CodeEffect[] {
  const effects: CodeEffect[] = [];
  for (const m of code.matchAll(EXEC_CALL)) {
    const args = argumentText(code, m.index + m[0].length - 1);
    const strings = stringLiterals(args);
    if (strings.length === 0) continue;
    // A list/argv form (`["rm", "-rf", "/x"]`, `spawn("rm", ["-rf", "/"])`) or a command string.
    effects.push({ kind: "shell", text: strings.length === 1 ? strings[0]! : strings.map(quoteWord).join(" ") });
  }
  // Ruby/Perl/PHP backticks and %x() run a shell.
  if (/`/.test(code)) for (const m of code.matchAll(/`([^`]+)`/g)) effects.push({ kind: "shell", text: m[1]! });
  for (const m of code.matchAll(/%x\(([^)]*)\)|qx\{([^}]*)\}/g)) effects.push({ kind: "shell", text: m[1] ?? m[2] ?? "" });
  for (const [re, recursive] of [
    [RM_TREE, true],
    [RM_FILE, false],
  ] as const) {
    for (const m of code.matchAll(re)) {
      const args = argumentText(code, m.index + m[0].length - 1);
      const path = stringLiterals(args)[0] ?? null;
      const isRecursive = recursive && (!/^fs\.(rmSync|rm|promises\.rm)|fsPromises/.test(m[0]) || /recursive\s*:\s*true/.test(args));
      effects.push({ kind: "rm", recursive: isRecursive, path, call: `${m[0]}${args.slice(0, 80)})` });
    }
  }
  for (const m of code.matchAll(SQL_CALL)) {
    const strings = stringLiterals(argumentText(code, m.index + m[0].length - 1));
    if (strings[0]) effects.push({ kind: "sql", text: strings[0] });
  }
  for (const m of code.matchAll(DOCUMENT_DROP)) effects.push({ kind: "document_drop", call: m[0] });
  return effects;
}

/** The text between the parenthesis at `open` and its match (quote-aware, bounded). */
function argumentText(code: string, open: number): string {
  const close = code[open] === "{" ? "}" : ")";
  const openCh = code[open]!;
  let depth = 1;
  let i = open + 1;
  while (i < code.length && depth > 0 && i - open < 4096) {
    const c = code[i]!;
    if (c === '"' || c === "'" || c === "`") {
      i = skipString(code, i);
      continue;
    }
    if (c === openCh) depth++;
    else if (c === close) depth--;
    i++;
  }
  return code.slice(open + 1, Math.max(open + 1, i - 1));
}

function skipString(code: string, start: number): number {
  const q = code[start]!;
  let i = start + 1;
  while (i < code.length && code[i] !== q) i += code[i] === "\\" ? 2 : 1;
  return i + 1;
}

/** String literals in source order, with common escapes decoded (Python, JS, Ruby, Perl, PHP). */
export function stringLiterals(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' || c === "'" || c === "`") {
      // Python triple quotes.
      const triple = text.startsWith(c.repeat(3), i) ? c.repeat(3) : null;
      if (triple) {
        const end = text.indexOf(triple, i + 3);
        out.push(text.slice(i + 3, end === -1 ? text.length : end));
        i = end === -1 ? text.length : end + 3;
        continue;
      }
      let j = i + 1;
      let s = "";
      while (j < text.length && text[j] !== c) {
        if (text[j] === "\\" && j + 1 < text.length) {
          const n = text[j + 1]!;
          s += n === "n" ? "\n" : n === "t" ? "\t" : n;
          j += 2;
        } else s += text[j++];
      }
      out.push(s);
      i = j + 1;
      continue;
    }
    i++;
  }
  return out;
}

function quoteWord(word: string): string {
  return /^[A-Za-z0-9_./=:,@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}
