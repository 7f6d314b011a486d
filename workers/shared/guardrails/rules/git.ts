/**
 * Git: what loses work that exists nowhere else — uncommitted changes (reset --hard, clean -f,
 * checkout --, restore), stashes, unmerged branches, and history on a remote (force push, remote
 * deletes, rewriting or expiring history). Reads, commits, ordinary pushes, soft/mixed resets and
 * dry runs (`-n`) pass.
 */
import { finding } from "../registry";
import { Invocation } from "../shell/invocation";
import type { CommandRule } from "./types";

/** Global options before the subcommand, with the ones that take a value. */
const GLOBAL_WITH_VALUE = new Set(["-C", "-c", "--git-dir", "--work-tree", "--namespace", "--exec-path", "--config-env", "--super-prefix"]);

export const git: CommandRule = (outer, scan) => {
  let i = 0;
  const words = outer.words;
  while (i < words.length && words[i]!.text.startsWith("-")) i += GLOBAL_WITH_VALUE.has(words[i]!.text) ? 2 : 1;
  const sub = words[i]?.text;
  if (!sub) return;
  const inv = new Invocation(`git ${sub}`, words.slice(i + 1), outer.command);
  const shown = `git ${sub} ${inv.args.join(" ")}`.trim();
  if (inv.has("--help")) return;
  const out = scan.out;
  switch (sub) {
    case "reset":
      if (inv.has("--hard")) out.push(finding("git.reset_hard", "git reset --hard discards uncommitted changes", shown));
      return;
    case "clean":
      if (inv.short("n") || inv.has("--dry-run")) return;
      if (inv.short("f") || inv.has("--force")) out.push(finding("git.clean_force", "git clean -f deletes untracked files", shown));
      return;
    case "push": {
      if (inv.short("n") || inv.has("--dry-run")) return;
      const forceValue = inv.value("--force");
      const force =
        inv.short("f") ||
        inv.args.includes("--force") ||
        (forceValue !== undefined && !/^(false|0|no|off)$/i.test(forceValue)) ||
        inv.has("--mirror") ||
        inv.positionals().some((p) => p.startsWith("+"));
      if (force) out.push(finding("git.push_force", "a force push overwrites the remote's history", shown));
      else if (inv.has("--force-with-lease", "--force-if-includes"))
        out.push(finding("git.push_force_with_lease", "a force push with lease still rewrites the remote's history", shown));
      if (inv.has("--delete", "--prune") || inv.short("d") || inv.positionals().some((p) => p.startsWith(":") && p.length > 1))
        out.push(finding("git.push_delete", "deletes branches or tags on the remote", shown));
      return;
    }
    case "branch":
      if (inv.short("D") || (inv.has("--delete") && (inv.has("--force") || inv.short("f"))) || (inv.short("d") && inv.short("f")))
        out.push(finding("git.branch_force_delete", "git branch -D deletes a branch even if it is not merged", shown));
      return;
    case "stash":
      if (inv.positionals()[0] === "drop" || inv.positionals()[0] === "clear")
        out.push(finding("git.stash_discard", `git stash ${inv.positionals()[0]} discards stashed work`, shown));
      return;
    case "checkout": {
      const afterDash = inv.afterDoubleDash();
      if (inv.short("f") || inv.has("--force") || (afterDash && afterDash.length > 0) || inv.positionals().includes(".")) {
        if (inv.short("b") || inv.short("B")) return;
        out.push(finding("git.discard_changes", "git checkout of paths (or -f) discards uncommitted changes", shown));
      }
      return;
    }
    case "restore":
      if ((inv.has("--staged") || inv.short("S")) && !(inv.has("--worktree") || inv.short("W"))) return;
      if (inv.positionals().length > 0) out.push(finding("git.discard_changes", "git restore discards uncommitted changes", shown));
      return;
    case "switch":
      if (inv.has("--discard-changes") || inv.short("f") || inv.has("--force"))
        out.push(finding("git.discard_changes", "git switch --discard-changes discards uncommitted changes", shown));
      return;
    case "filter-branch":
    case "filter-repo":
      out.push(finding("git.history_rewrite", `git ${sub} rewrites history`, shown));
      return;
    case "reflog":
      if (inv.positionals()[0] === "expire" && inv.args.some((a) => /^--expire(-unreachable)?=(now|all|0)/.test(a)))
        out.push(finding("git.history_rewrite", "expiring the reflog makes lost commits unrecoverable", shown));
      if (inv.positionals()[0] === "delete") out.push(finding("git.history_rewrite", "deleting reflog entries", shown));
      return;
    case "gc":
      if (inv.args.some((a) => /^--prune=(now|all)/.test(a)))
        out.push(finding("git.history_rewrite", "git gc --prune=now deletes unreachable commits at once", shown));
      return;
    case "update-ref":
      if (inv.short("d")) out.push(finding("git.history_rewrite", "git update-ref -d deletes a ref", shown));
      return;
    default:
      return;
  }
};
