/** What a command rule gets: the invocation, and the scanner to report findings and to read nested commands, SQL, code or HTTP calls. */
import type { HttpCall } from "../http";
import type { Finding } from "../registry";
import type { SimpleCommand, Word } from "../shell/lexer";
import type { Invocation } from "../shell/invocation";

export interface Scanner {
  readonly out: Finding[];
  /** A script that will run (a `bash -c` string, a heredoc fed to a shell). */
  shell(text: string): void;
  /** Words that will run as a command (`find -exec …`, `kubectl exec -- …`, `ssh host …`). */
  words(words: Word[], cmd: SimpleCommand): void;
  sql(text: string, where: string): void;
  code(text: string, where: string): void;
  http(call: HttpCall): void;
}

export type CommandRule = (inv: Invocation, scan: Scanner) => void;

/** Dry runs change nothing: the tools' own spellings. */
export function isDryRun(inv: Invocation, shortN = false): boolean {
  for (const a of inv.args) {
    if (a === "--dry-run" || a === "--dryrun" || a === "--what-if" || a === "--whatif" || a === "--simulate" || a === "--plan") return true;
    if (a.startsWith("--dry-run=") && !/=(none|false|0|no)$/i.test(a)) return true;
  }
  return shortN && inv.short("n");
}
