/**
 * The registry of destructive-operation rules: every rule the guardrail engine can report, with
 * its pack (the family a tenant policy can switch as a whole), its default severity and a sentence
 * that says what class of operation it stands for. Rules are written for the CLASS (e.g. "a
 * management CLI asked to delete something"), never for single commands (docs/governance.md).
 *
 * Severity decides the default action (policy.ts): critical → block, high → require approval,
 * medium → log.
 */
export type Severity = "critical" | "high" | "medium";

export const PACKS = {
  "core.filesystem": "Files and disks: recursive deletes outside temp dirs, system files, disk formatting",
  "core.git": "Git: discarded work, rewritten or deleted history, force pushes",
  "core.shell": "Shell: fork bombs, remote scripts piped into a shell, commands whose name is hidden",
  system: "The machine: shutdown, killing every process, firewall flushes, users, cron",
  database: "Databases: DROP, TRUNCATE, DELETE/UPDATE without WHERE, FLUSHALL, dropdb",
  containers: "Containers: prunes with --all/--volumes, volume deletion, forced removal",
  kubernetes: "Clusters: kubectl/oc delete, drain, helm uninstall, cluster deletion",
  cloud: "Cloud CLIs (aws, gcloud, az and platform CLIs): deleting or terminating resources",
  iac: "Infrastructure as code: destroy, state removal",
  storage: "Object storage: deleting objects or buckets, syncs that delete",
  sync: "Sync and transfer tools that delete at the destination or the source",
  backup: "Backups: deleting or pruning snapshots and archives",
  secrets: "Secret stores: deleting, overwriting or disabling secrets",
  messaging: "Queues and streams: deleting or purging topics, queues, streams",
  cicd: "CI/CD: deleting jobs, pipelines, runners, contexts; disabling workflows",
  packages: "Package registries: unpublishing",
  http: "HTTP calls that delete remote resources or call destructive endpoints",
  payments: "Payments: transfers, payouts, refunds, charges",
} as const;
export type Pack = keyof typeof PACKS;

export interface RuleInfo {
  pack: Pack;
  severity: Severity;
  title: string;
}

export const RULES = {
  "fs.rm_root": {
    pack: "core.filesystem",
    severity: "critical",
    title: "Recursive delete of /, a home directory, a system directory or the whole working directory",
  },
  "fs.rm_recursive": { pack: "core.filesystem", severity: "high", title: "Recursive delete outside the temp directories" },
  "fs.rm_system_file": { pack: "core.filesystem", severity: "critical", title: "Deleting files under a system directory" },
  "fs.find_delete": { pack: "core.filesystem", severity: "high", title: "find -delete with no filter, or at a root/home/system path" },
  "fs.find_delete_filtered": { pack: "core.filesystem", severity: "medium", title: "find -delete with a filter, outside temp dirs" },
  "fs.disk_overwrite": { pack: "core.filesystem", severity: "critical", title: "Formatting, wiping or writing raw to a disk device" },
  "fs.partition_edit": { pack: "core.filesystem", severity: "high", title: "Editing a disk's partition table" },
  "fs.shred": { pack: "core.filesystem", severity: "high", title: "Irrecoverably overwriting files (shred)" },
  "fs.permissions_root": {
    pack: "core.filesystem",
    severity: "critical",
    title: "Recursive chmod/chown of /, a home or a system directory",
  },
  "fs.move_to_null": { pack: "core.filesystem", severity: "high", title: "Moving files to /dev/null" },
  "fs.system_file_overwrite": { pack: "core.filesystem", severity: "high", title: "Redirecting output over a system file" },
  "git.reset_hard": { pack: "core.git", severity: "high", title: "git reset --hard: uncommitted work discarded" },
  "git.clean_force": { pack: "core.git", severity: "high", title: "git clean -f: untracked files deleted" },
  "git.push_force": {
    pack: "core.git",
    severity: "high",
    title: "Force push (--force, -f, +refspec, --mirror): remote history overwritten",
  },
  "git.push_force_with_lease": { pack: "core.git", severity: "medium", title: "Force push with lease" },
  "git.push_delete": { pack: "core.git", severity: "high", title: "Deleting remote branches or tags (push --delete, :ref, --prune)" },
  "git.branch_force_delete": { pack: "core.git", severity: "high", title: "git branch -D: unmerged branch deleted" },
  "git.stash_discard": { pack: "core.git", severity: "high", title: "git stash drop/clear" },
  "git.discard_changes": {
    pack: "core.git",
    severity: "high",
    title: "Discarding working-tree changes (checkout --, restore, switch --discard-changes)",
  },
  "git.history_rewrite": {
    pack: "core.git",
    severity: "high",
    title: "Rewriting or expiring history (filter-branch, filter-repo, reflog expire, gc --prune=now, update-ref -d)",
  },
  "shell.fork_bomb": { pack: "core.shell", severity: "critical", title: "Fork bomb" },
  "shell.remote_script": { pack: "core.shell", severity: "medium", title: "A downloaded script piped straight into a shell" },
  "shell.hidden_command": { pack: "core.shell", severity: "medium", title: "A command whose name is computed at run time" },
  "system.shutdown": { pack: "system", severity: "high", title: "Shutting down or rebooting the machine" },
  "system.kill_all": { pack: "system", severity: "high", title: "Killing every process" },
  "system.firewall_flush": { pack: "system", severity: "high", title: "Flushing or disabling the firewall" },
  "system.user_delete": { pack: "system", severity: "high", title: "Deleting users or groups" },
  "system.crontab_remove": { pack: "system", severity: "high", title: "Removing every cron job (crontab -r)" },
  "sql.drop_database": { pack: "database", severity: "critical", title: "DROP DATABASE / SCHEMA, dropdb" },
  "sql.drop_table": { pack: "database", severity: "high", title: "DROP TABLE / COLLECTION" },
  "sql.drop_user": { pack: "database", severity: "high", title: "DROP USER / ROLE" },
  "sql.drop_other": { pack: "database", severity: "medium", title: "DROP of a view, index, function or other schema object" },
  "sql.truncate": { pack: "database", severity: "high", title: "TRUNCATE" },
  "sql.delete_all": { pack: "database", severity: "high", title: "DELETE without a WHERE clause (or with one that is always true)" },
  "sql.update_all": { pack: "database", severity: "high", title: "UPDATE without a WHERE clause (or with one that is always true)" },
  "sql.alter_drop": { pack: "database", severity: "high", title: "ALTER TABLE … DROP" },
  "db.flush": { pack: "database", severity: "high", title: "Key-value store wiped (FLUSHALL, FLUSHDB) or shut down" },
  "db.delete": { pack: "database", severity: "high", title: "A database CLI or API asked to delete, drop or reset data" },
  "db.document_drop": { pack: "database", severity: "high", title: "Document store: dropDatabase, drop, deleteMany({})" },
  "containers.prune_all": { pack: "containers", severity: "high", title: "Prune with --all or --volumes" },
  "containers.prune": { pack: "containers", severity: "medium", title: "Prune of dangling containers, images, networks" },
  "containers.volume_delete": { pack: "containers", severity: "high", title: "Deleting container volumes" },
  "containers.force_remove": {
    pack: "containers",
    severity: "high",
    title: "Forced removal of containers (running ones included), or of all of them",
  },
  "kubernetes.delete": {
    pack: "kubernetes",
    severity: "high",
    title: "kubectl/oc delete, drain, replace --force, apply --prune; helm uninstall; cluster deletion",
  },
  "kubernetes.delete_all": { pack: "kubernetes", severity: "critical", title: "Deleting a namespace, or everything (--all)" },
  "kubernetes.scale_zero": { pack: "kubernetes", severity: "medium", title: "Scaling to zero replicas" },
  "cloud.delete": {
    pack: "cloud",
    severity: "high",
    title: "A cloud or platform CLI asked to delete, terminate, purge, disable or revoke something",
  },
  "cloud.critical_delete": { pack: "cloud", severity: "critical", title: "Deleting a whole project, resource group or encryption key" },
  "iac.destroy": { pack: "iac", severity: "high", title: "terraform/pulumi/cdk destroy, state removal" },
  "iac.auto_approve": { pack: "iac", severity: "medium", title: "Applying infrastructure changes with no review (-auto-approve, --yes)" },
  "storage.delete": { pack: "storage", severity: "high", title: "Deleting objects or buckets" },
  "sync.delete": { pack: "sync", severity: "high", title: "A sync or move that deletes at the destination or the source" },
  "backup.delete": { pack: "backup", severity: "high", title: "Deleting or pruning backups, snapshots, schedules" },
  "secrets.delete": { pack: "secrets", severity: "high", title: "Deleting or destroying secrets, vaults, configs, policies" },
  "secrets.write": { pack: "secrets", severity: "high", title: "Overwriting or rotating a stored secret" },
  "secrets.engine_disable": { pack: "secrets", severity: "critical", title: "Disabling a secrets engine (every secret in it destroyed)" },
  "messaging.delete": { pack: "messaging", severity: "high", title: "Deleting or purging topics, queues, streams, consumer groups, ACLs" },
  "cicd.delete": { pack: "cicd", severity: "high", title: "Deleting CI jobs, pipelines, runners, contexts, caches; disabling workflows" },
  "packages.unpublish": { pack: "packages", severity: "high", title: "Unpublishing or yanking a released package" },
  "http.delete": { pack: "http", severity: "high", title: "An HTTP DELETE" },
  "http.destructive_endpoint": {
    pack: "http",
    severity: "high",
    title: "A write to an endpoint that deletes (…/_delete_by_query, …/doDelete, …:purge)",
  },
  "http.destructive_mutation": { pack: "http", severity: "high", title: "A GraphQL mutation that deletes, removes or destroys" },
  "payments.transfer": { pack: "payments", severity: "high", title: "Moving money: transfers, payouts, refunds, charges" },
} as const satisfies Record<string, RuleInfo>;
export type RuleId = keyof typeof RULES;

export interface Finding {
  ruleId: RuleId;
  pack: Pack;
  severity: Severity;
  /** Why, in a sentence a person (or the agent) can act on. */
  reason: string;
  /** The command, statement or request it was found in (≤ 200 characters). */
  match: string;
}

export function finding(ruleId: RuleId, reason: string, match: string): Finding {
  const rule: RuleInfo = RULES[ruleId];
  return { ruleId, pack: rule.pack, severity: rule.severity, reason, match: match.length > 200 ? `${match.slice(0, 197)}…` : match };
}
