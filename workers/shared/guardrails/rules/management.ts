/**
 * Management CLIs — cloud, platform, cluster, infrastructure-as-code, secret stores, queues,
 * backups, CI, object storage. Most follow `<tool> [<noun>…] <verb> <target>`; one generic rule
 * covers the class "a management CLI asked to delete/destroy/purge/revoke/disable something",
 * reading the first few lower-case subcommand words (`delete`, `delete-job`, `repo-delete`,
 * `delete_user`, `apps:destroy`) and stopping at a read verb, so a resource merely NAMED like a verb
 * (`doppler secrets get DELETE_FLAG`) passes. Tools with their own grammar (aws, docker, kubectl,
 * terraform, rsync, rclone…) have specific rules. Dry runs pass.
 */
import { finding, type RuleId } from "../registry";
import { Invocation } from "../shell/invocation";
import { isDryRun, type CommandRule, type Scanner } from "./types";

const VERBS = new Set([
  "delete",
  "del",
  "rm",
  "remove",
  "destroy",
  "purge",
  "drop",
  "terminate",
  "deregister",
  "unregister",
  "uninstall",
  "wipe",
  "erase",
  "truncate",
  "flush",
  "flushall",
  "flushdb",
  "revoke",
  "disable",
  "reset",
  "forget",
  "prune",
  "unsubscribe",
  "rb",
  "rmdir",
  "rmdirs",
  "deletefile",
  "deleteall",
  "expunge",
  "clear",
  "un",
  "nuke",
  "teardown",
  "decommission",
]);
/** Words that are only ever read verbs (never nouns like `backup`, `stream`, `context`, `logs`): the subcommand stops there. */
const READ_VERBS = new Set([
  "get",
  "list",
  "ls",
  "describe",
  "show",
  "status",
  "info",
  "view",
  "cat",
  "read",
  "inspect",
  "lookup",
  "search",
  "find",
  "whoami",
  "version",
  "help",
  "stats",
  "size",
  "check",
  "validate",
  "diff",
  "plan",
  "explain",
  "browse",
  "login",
  "about",
  "md5sum",
  "lsjson",
  "health",
  "ping",
  "print",
  "preview",
  "create",
  "new",
  "add",
  "run",
  "setup",
  "init",
  "copy",
  "cp",
  "download",
  "fetch",
  "pull",
  "clone",
  "completion",
  "tail",
  "verify",
  "lint",
  "render",
  "template",
  "whatif",
]);
const WRITE_VERBS = new Set([
  "put",
  "set",
  "update",
  "edit",
  "patch",
  "rotate",
  "upload",
  "write",
  "import",
  "restore",
  "rollback",
  "undelete",
  "replace",
]);

type Family = "secrets" | "messaging" | "backup" | "storage" | "cicd" | "cloud" | "kubernetes" | "iac" | "database";
const FAMILY_RULE: Record<Family, RuleId> = {
  secrets: "secrets.delete",
  messaging: "messaging.delete",
  backup: "backup.delete",
  storage: "storage.delete",
  cicd: "cicd.delete",
  cloud: "cloud.delete",
  kubernetes: "kubernetes.delete",
  iac: "iac.destroy",
  database: "db.delete",
};

const TOOLS: Record<string, Family> = {};
const add = (family: Family, names: string) => names.split(" ").forEach((n) => (TOOLS[n] = family));
add("secrets", "vault op doppler infisical bw chamber gopass akeyless conjur teller");
add(
  "messaging",
  "kafka-topics kafka-consumer-groups kafka-acls kafka-configs kafka-delete-records rabbitmqctl rabbitmqadmin nats rpk pulsar-admin",
);
add("backup", "restic borg borgmatic velero kopia duplicity tarsnap rdiff-backup");
add("storage", "s3cmd b2 mc");
add("cicd", "circleci gitlab-runner jenkins-cli jenkins glab argocd tkn travis buildkite-agent drone woodpecker-cli");
add(
  "cloud",
  "gh vercel netlify flyctl fly heroku wrangler doctl linode-cli hcloud railway render firebase supabase stripe cf openstack vultr-cli scw ibmcloud exoscale civo pscale neonctl turso atlas databricks okta auth0 twilio sentry-cli algolia gcloud az",
);
add("kubernetes", "kind minikube k3d eksctl kubeadm flux istioctl linkerd k9s");
add("iac", "cdk cdktf serverless sls sam copilot pulumi");
add("database", "influx etcdctl consul nomad prisma");

function subcommandWords(inv: Invocation): string[] {
  const out: string[] = [];
  for (const p of inv.positionals()) {
    if (out.length >= 3) break;
    if (!/^[a-z][a-z0-9]*([_:.-][a-z0-9]+)*$/.test(p)) {
      if (/^[A-Z]/.test(p) || p.includes("/") || p.includes("=") || p.includes("@")) continue;
      continue;
    }
    if (READ_VERBS.has(p)) break;
    out.push(p);
  }
  return out;
}

const parts = (word: string) => word.split(/[-_:.]/);

/** The class rule: a management CLI asked to delete something (and, for secret stores, to overwrite one). */
export function genericManagement(inv: Invocation, scan: Scanner, family: Family): void {
  if (isDryRun(inv)) return;
  const words = subcommandWords(inv);
  const verb = words.find((w) => parts(w).some((p) => VERBS.has(p)));
  const flagVerb = inv.args.find((a) => a === "--delete" || a === "--remove" || a === "--purge" || a === "--wipe");
  if (verb || flagVerb) {
    scan.out.push(
      finding(FAMILY_RULE[family], `${inv.name} ${words.join(" ") || flagVerb} deletes or disables something it manages`, inv.text()),
    );
    return;
  }
  if (family === "secrets") {
    const write = words.find((w) => parts(w).some((p) => WRITE_VERBS.has(p)));
    if (write) scan.out.push(finding("secrets.write", `${inv.name} ${words.join(" ")} overwrites a stored secret`, inv.text()));
  }
}

const vault: CommandRule = (inv, scan) => {
  const [a, b] = inv.positionals();
  if ((a === "secrets" && b === "disable") || (a === "secrets" && b === "move") || a === "unmount") {
    scan.out.push(finding("secrets.engine_disable", "disabling a secrets engine destroys every secret in it", inv.text()));
    return;
  }
  if (a === "write" || (a === "kv" && (b === "put" || b === "patch" || b === "rollback"))) {
    scan.out.push(finding("secrets.write", `vault ${a}${b ? ` ${b}` : ""} overwrites a secret`, inv.text()));
    return;
  }
  genericManagement(inv, scan, "secrets");
};

const kafka: CommandRule = (inv, scan) => {
  if (inv.has("--reset-offsets") && inv.has("--execute"))
    scan.out.push(finding("messaging.delete", "resetting a consumer group's offsets", inv.text()));
  else genericManagement(inv, scan, "messaging");
};

/** Global options of aws that take no value; every other global option takes one. */
const AWS_FLAGS = new Set([
  "--debug",
  "--no-verify-ssl",
  "--no-paginate",
  "--no-sign-request",
  "--no-cli-pager",
  "--no-cli-auto-prompt",
  "--cli-auto-prompt",
]);
const AWS_DESTRUCTIVE = new Set([
  "delete",
  "terminate",
  "purge",
  "remove",
  "deregister",
  "destroy",
  "revoke",
  "disable",
  "unsubscribe",
  "reset",
  "batch-delete",
]);
const AWS_SERVICE_RULE: Record<string, RuleId> = {
  sqs: "messaging.delete",
  sns: "messaging.delete",
  kinesis: "messaging.delete",
  mq: "messaging.delete",
  kafka: "messaging.delete",
  firehose: "messaging.delete",
  s3api: "storage.delete",
  glacier: "storage.delete",
  efs: "storage.delete",
  fsx: "storage.delete",
  dynamodb: "db.delete",
  rds: "db.delete",
  redshift: "db.delete",
  docdb: "db.delete",
  neptune: "db.delete",
  elasticache: "db.delete",
  keyspaces: "db.delete",
  timestream: "db.delete",
  memorydb: "db.delete",
  cloudformation: "iac.destroy",
  backup: "backup.delete",
  codepipeline: "cicd.delete",
  codebuild: "cicd.delete",
  codecommit: "cicd.delete",
  codedeploy: "cicd.delete",
  secretsmanager: "secrets.delete",
  ssm: "secrets.delete",
  kms: "cloud.critical_delete",
  organizations: "cloud.critical_delete",
};

const aws: CommandRule = (inv, scan) => {
  const words = inv.args;
  let i = 0;
  while (i < words.length && words[i]!.startsWith("--")) i += AWS_FLAGS.has(words[i]!) || words[i]!.includes("=") ? 1 : 2;
  const service = words[i];
  const op = words[i + 1];
  if (!service || !op || op === "help" || inv.has("--dry-run", "--dryrun", "--generate-cli-skeleton")) return;
  const shown = inv.text();
  if (service === "s3") {
    if (op === "rm" || op === "rb")
      scan.out.push(finding("storage.delete", `aws s3 ${op} deletes ${op === "rb" ? "a bucket" : "objects"}`, shown));
    else if (op === "mv") scan.out.push(finding("sync.delete", "aws s3 mv deletes the source", shown));
    else if (op === "sync" && inv.has("--delete"))
      scan.out.push(finding("sync.delete", "aws s3 sync --delete deletes files at the destination", shown));
    return;
  }
  if (
    service === "secretsmanager" &&
    /^(put-secret-value|update-secret|rotate-secret|restore-secret|update-secret-version-stage|cancel-rotate-secret)$/.test(op)
  ) {
    scan.out.push(finding("secrets.write", `aws secretsmanager ${op} changes a stored secret`, shown));
    return;
  }
  if (service === "ssm" && op === "put-parameter" && inv.has("--overwrite")) {
    scan.out.push(finding("secrets.write", "aws ssm put-parameter --overwrite replaces a parameter", shown));
    return;
  }
  if (service === "kms" && /^(schedule-key-deletion|disable-key|delete-imported-key-material|delete-alias)$/.test(op)) {
    scan.out.push(finding("cloud.critical_delete", `aws kms ${op}: data encrypted with the key becomes unreadable`, shown));
    return;
  }
  const opParts = op.split("-");
  if (AWS_DESTRUCTIVE.has(opParts[0]!) || AWS_DESTRUCTIVE.has(`${opParts[0]}-${opParts[1]}`)) {
    const rule = AWS_SERVICE_RULE[service] ?? "cloud.delete";
    scan.out.push(finding(service === "ssm" && !/parameter/.test(op) ? "cloud.delete" : rule, `aws ${service} ${op}`, shown));
  }
};

const gcloud: CommandRule = (inv, scan) => {
  const p = inv.positionals();
  if (isDryRun(inv)) return;
  if (p[0] === "projects" && p[1] === "delete")
    return void scan.out.push(finding("cloud.critical_delete", "deletes a whole project", inv.text()));
  if (p[0] === "secrets") {
    if (p.some((x) => x === "delete" || x === "destroy" || x === "disable"))
      return void scan.out.push(finding("secrets.delete", "gcloud secrets: deletes or destroys a secret", inv.text()));
    if (p[1] === "versions" && p[2] === "add")
      return void scan.out.push(finding("secrets.write", "gcloud secrets versions add replaces a secret's value", inv.text()));
  }
  if (p[0] === "storage" && (p[1] === "rm" || (p[1] === "buckets" && p[2] === "delete")))
    return void scan.out.push(finding("storage.delete", "deletes objects or a bucket", inv.text()));
  if (p[0] === "kms" && p.some((x) => x === "destroy" || x === "disable"))
    return void scan.out.push(finding("cloud.critical_delete", "destroys an encryption key version", inv.text()));
  genericManagement(inv, scan, "cloud");
};

const gsutil: CommandRule = (inv, scan) => {
  const words = inv.args.filter((a) => !a.startsWith("-"));
  const op = words[0];
  if (op === "rm" || op === "rb")
    scan.out.push(finding("storage.delete", `gsutil ${op} deletes ${op === "rb" ? "a bucket" : "objects"}`, inv.text()));
  else if (op === "mv") scan.out.push(finding("sync.delete", "gsutil mv deletes the source", inv.text()));
  else if (op === "rsync" && (inv.short("d") || inv.args.includes("-d")) && !inv.short("n"))
    scan.out.push(finding("sync.delete", "gsutil rsync -d deletes files at the destination", inv.text()));
};

const az: CommandRule = (inv, scan) => {
  const p = inv.positionals();
  if (isDryRun(inv)) return;
  if (p[0] === "group" && p[1] === "delete")
    return void scan.out.push(finding("cloud.critical_delete", "deletes a resource group and everything in it", inv.text()));
  if (p[0] === "keyvault") {
    if (p[1] === "key" && (p[2] === "delete" || p[2] === "purge"))
      return void scan.out.push(finding("cloud.critical_delete", "deletes an encryption key", inv.text()));
    if (p.some((x) => x === "delete" || x === "purge"))
      return void scan.out.push(finding("secrets.delete", "deletes a key vault secret or vault", inv.text()));
    if (p[1] === "secret" && p[2] === "set") return void scan.out.push(finding("secrets.write", "replaces a key vault secret", inv.text()));
  }
  genericManagement(inv, scan, "cloud");
};

const azcopy: CommandRule = (inv, scan) => {
  const op = inv.positionals()[0];
  if (op === "remove" || op === "rm") scan.out.push(finding("storage.delete", "azcopy remove deletes blobs", inv.text()));
  else if (op === "sync" && /true|prompt/i.test(inv.value("--delete-destination") ?? "") && !isDryRun(inv))
    scan.out.push(finding("sync.delete", "azcopy sync --delete-destination deletes files at the destination", inv.text()));
};

const rsync: CommandRule = (inv, scan) => {
  if (isDryRun(inv, true) || inv.has("--list-only")) return;
  const flag = inv.args.find(
    (a) => a.startsWith("--delete") || a === "--del" || a === "--remove-source-files" || a === "--remove-sent-files",
  );
  if (flag)
    scan.out.push(
      finding(
        "sync.delete",
        `rsync ${flag} deletes ${flag.startsWith("--remove") ? "the source files" : "files at the destination"}`,
        inv.text(),
      ),
    );
};

const rclone: CommandRule = (inv, scan) => {
  if (isDryRun(inv, true)) return;
  const op = inv.positionals()[0];
  if (!op) return;
  if (/^(delete|deletefile|purge|rmdir|rmdirs|cleanup)$/.test(op))
    scan.out.push(finding("storage.delete", `rclone ${op} deletes remote files`, inv.text()));
  else if (op === "sync" || op === "bisync")
    scan.out.push(finding("sync.delete", `rclone ${op} deletes destination files missing from the source`, inv.text()));
  else if (op === "move" || op === "moveto") scan.out.push(finding("sync.delete", `rclone ${op} deletes the source`, inv.text()));
  else if (inv.args.some((a) => a.startsWith("--delete")))
    scan.out.push(finding("sync.delete", "deletes files at the destination", inv.text()));
};

const s3cmd: CommandRule = (inv, scan) => {
  const op = inv.positionals()[0];
  if (isDryRun(inv, true)) return;
  if (op === "sync" && inv.has("--delete-removed"))
    scan.out.push(finding("sync.delete", "s3cmd sync --delete-removed deletes files at the destination", inv.text()));
  else genericManagement(inv, scan, "storage");
};

const mc: CommandRule = (inv, scan) => {
  const op = inv.positionals()[0];
  if (op === "mirror" && inv.has("--remove"))
    scan.out.push(finding("sync.delete", "mc mirror --remove deletes files at the destination", inv.text()));
  else if (op === "rm" || op === "rb")
    scan.out.push(finding("storage.delete", `mc ${op} deletes ${op === "rb" ? "a bucket" : "objects"}`, inv.text()));
};

const restic: CommandRule = (inv, scan) => {
  const op = inv.positionals()[0];
  if (isDryRun(inv) || inv.short("n")) return;
  if (op === "forget" || op === "prune") scan.out.push(finding("backup.delete", `restic ${op} deletes snapshots`, inv.text()));
  else genericManagement(inv, scan, "backup");
};

const CONTAINER_GLOBAL_VALUE = new Set([
  "-H",
  "--host",
  "--context",
  "-c",
  "--config",
  "--log-level",
  "-l",
  "--tlscacert",
  "--tlscert",
  "--tlskey",
  "--url",
  "--connection",
]);
const EXEC_VALUE = new Set(["-e", "--env", "-u", "--user", "-w", "--workdir", "--env-file", "--detach-keys"]);

const docker: CommandRule = (outer, scan) => {
  let i = 0;
  const w = outer.words;
  while (i < w.length && w[i]!.text.startsWith("-")) i += CONTAINER_GLOBAL_VALUE.has(w[i]!.text) ? 2 : 1;
  let sub = w[i]?.text;
  let j = i + 1;
  // `docker container rm` = `docker rm`; `docker image prune` / `docker system prune` keep their object.
  let object: string | null = null;
  if (sub && ["container", "image", "volume", "network", "system", "builder", "buildx", "compose"].includes(sub)) {
    object = sub;
    sub = w[j]?.text;
    j++;
  }
  if (outer.name === "docker-compose" || outer.name === "podman-compose") {
    object = "compose";
    sub = w[i]?.text;
    j = i + 1;
  }
  if (!sub) return;
  const inv = new Invocation(`${outer.name}${object ? ` ${object}` : ""} ${sub}`, w.slice(j), outer.command);
  const shown = `${inv.name} ${inv.args.join(" ")}`.trim();
  if (inv.has("--help")) return;
  if (sub === "exec") {
    let k = 0;
    while (k < inv.words.length && inv.words[k]!.text.startsWith("-")) k += EXEC_VALUE.has(inv.words[k]!.text) ? 2 : 1;
    const rest = inv.words.slice(k + 1);
    if (rest.length) scan.words(rest, outer.command);
    return;
  }
  if (sub === "prune") {
    if (object === "volume" || (inv.short("a") && object === "volume"))
      return void scan.out.push(finding("containers.volume_delete", "volume prune deletes unused volumes and their data", shown));
    if (object === "system" && (inv.has("--volumes") || inv.has("--all") || inv.short("a")))
      return void scan.out.push(
        finding("containers.prune_all", "system prune --all/--volumes deletes every unused image, container and volume", shown),
      );
    if (object === "image" && (inv.has("--all") || inv.short("a")))
      return void scan.out.push(finding("containers.prune_all", "image prune --all deletes every unused image", shown));
    return void scan.out.push(finding("containers.prune", `${object ?? ""} prune deletes unused objects`.trim(), shown));
  }
  if ((sub === "rm" || sub === "remove") && object === "volume")
    return void scan.out.push(finding("containers.volume_delete", "deletes volumes and their data", shown));
  if ((sub === "rm" || sub === "remove") && (object === null || object === "container")) {
    const everything = inv.words.some((x) => x.dynamic && !x.text.startsWith("$"));
    if (inv.short("f") || inv.has("--force") || inv.short("v") || inv.has("--volumes") || everything)
      scan.out.push(
        finding(
          "containers.force_remove",
          everything
            ? "removes containers listed at run time (typically all of them)"
            : "forced removal stops and deletes running containers",
          shown,
        ),
      );
    return;
  }
  if (object === "compose" && sub === "down" && (inv.short("v") || inv.has("--volumes") || inv.value("--rmi") === "all"))
    scan.out.push(finding("containers.volume_delete", "compose down --volumes deletes the project's volumes", shown));
};

const K8S_GLOBAL_VALUE = new Set([
  "-n",
  "--namespace",
  "--context",
  "--kubeconfig",
  "-s",
  "--server",
  "--cluster",
  "--user",
  "--token",
  "--as",
  "-l",
  "--selector",
  "-f",
  "--filename",
  "-o",
  "--output",
  "-c",
  "--container",
]);

const kubectl: CommandRule = (inv, scan) => {
  const w = inv.words;
  let i = 0;
  while (i < w.length && w[i]!.text.startsWith("-")) i += K8S_GLOBAL_VALUE.has(w[i]!.text) ? 2 : 1;
  const sub = w[i]?.text;
  if (!sub || inv.has("--help")) return;
  const rest = new Invocation(`${inv.name} ${sub}`, w.slice(i + 1), inv.command);
  const shown = inv.text();
  if (sub === "exec") {
    const cmd = rest.afterDoubleDash();
    if (cmd?.length) scan.words(cmd, inv.command);
    return;
  }
  if (isDryRun(rest)) return;
  const resources = rest.words
    .filter((x, k) => !x.text.startsWith("-") && !(k > 0 && K8S_GLOBAL_VALUE.has(rest.words[k - 1]!.text)))
    .map((x) => x.text.toLowerCase());
  if (sub === "delete") {
    const kind = resources[0] ?? "";
    if (/^(ns|namespace|namespaces)(\/|$)/.test(kind) || rest.has("--all", "--all-namespaces") || rest.short("A"))
      scan.out.push(
        finding(
          "kubernetes.delete_all",
          kind.startsWith("n") ? "deleting a namespace deletes everything in it" : "deletes every resource of the kind",
          shown,
        ),
      );
    else scan.out.push(finding("kubernetes.delete", `${inv.name} delete ${resources.slice(0, 2).join(" ")}`.trim(), shown));
    return;
  }
  if (sub === "drain" || (sub === "replace" && rest.has("--force")) || (sub === "apply" && rest.has("--prune")))
    return void scan.out.push(finding("kubernetes.delete", `${inv.name} ${sub} evicts or deletes workloads`, shown));
  if (sub === "scale" && rest.value("--replicas") === "0")
    return void scan.out.push(finding("kubernetes.scale_zero", "scales to zero replicas", shown));
};

const helm: CommandRule = (inv, scan) => {
  const sub = inv.positionals()[0];
  if (isDryRun(inv)) return;
  if (sub && ["uninstall", "delete", "del", "un"].includes(sub))
    scan.out.push(finding("kubernetes.delete", `helm ${sub} removes a release and its resources`, inv.text()));
};

const terraform: CommandRule = (inv, scan) => {
  const w = inv.args.filter((a) => !a.startsWith("-chdir"));
  const sub = w.find((a) => !a.startsWith("-"));
  const rest = new Invocation(inv.name, inv.words.slice(inv.words.findIndex((x) => x.text === sub) + 1), inv.command);
  const pos = rest.positionals();
  if (sub === "destroy" || (sub === "apply" && rest.has("-destroy", "--destroy")))
    scan.out.push(finding("iac.destroy", `${inv.name} destroy deletes the managed infrastructure`, inv.text()));
  else if (sub === "state" && (pos[0] === "rm" || pos[0] === "replace-provider"))
    scan.out.push(finding("iac.destroy", `${inv.name} state ${pos[0]}`, inv.text()));
  else if (sub === "workspace" && pos[0] === "delete") scan.out.push(finding("iac.destroy", `${inv.name} workspace delete`, inv.text()));
  else if (sub === "apply" && rest.has("-auto-approve", "--auto-approve"))
    scan.out.push(finding("iac.auto_approve", "applies infrastructure changes without review", inv.text()));
};

const pulumi: CommandRule = (inv, scan) => {
  const [a, b] = inv.positionals();
  if (isDryRun(inv) || inv.has("--preview-only")) return;
  if (a === "destroy" || a === "down" || (a === "stack" && b === "rm") || (a === "state" && b === "delete"))
    scan.out.push(
      finding("iac.destroy", `pulumi ${a}${b && a !== "destroy" ? ` ${b}` : ""} deletes infrastructure or its state`, inv.text()),
    );
  else if (a === "up" && (inv.has("--yes") || inv.short("y")))
    scan.out.push(finding("iac.auto_approve", "pulumi up --yes applies without review", inv.text()));
};

const gh: CommandRule = (inv, scan) => {
  const [a, b] = inv.positionals();
  if (a === "api") {
    const method = (
      inv.value("-X", "--method") ??
      (inv.has("-f", "-F", "--field", "--raw-field", "--input") || inv.short("f") || inv.short("F") ? "POST" : "GET")
    ).toUpperCase();
    const path = inv.positionals()[1] ?? "";
    scan.http({ method, url: `https://api.github.com/${path.replace(/^\//, "")}` });
    return;
  }
  if (a === "secret" || a === "variable") {
    if (b === "delete" || b === "remove") return void scan.out.push(finding("secrets.delete", `gh ${a} ${b}`, inv.text()));
    if (b === "set") return void scan.out.push(finding("secrets.write", `gh ${a} set overwrites it`, inv.text()));
    return;
  }
  if ((a === "workflow" && b === "disable") || ((a === "cache" || a === "run") && b === "delete"))
    return void scan.out.push(finding("cicd.delete", `gh ${a} ${b}`, inv.text()));
  if (a === "repo" && (b === "archive" || b === "delete")) return void scan.out.push(finding("cloud.delete", `gh repo ${b}`, inv.text()));
  genericManagement(inv, scan, "cloud");
};

const stripe: CommandRule = (inv, scan) => {
  const [resource, verb] = inv.positionals();
  if (
    resource &&
    /^(transfers|payouts|refunds|charges|payment_intents|topups|application_fees)$/.test(resource) &&
    verb &&
    /^(create|confirm|capture|reverse)$/.test(verb)
  ) {
    scan.out.push(finding("payments.transfer", `stripe ${resource} ${verb} moves money`, inv.text()));
    return;
  }
  if (resource === "post" || resource === "delete") {
    const path = inv.positionals()[1] ?? "";
    scan.http({ method: resource === "post" ? "POST" : "DELETE", url: `https://api.stripe.com/${path.replace(/^\//, "")}` });
    return;
  }
  genericManagement(inv, scan, "cloud");
};

const wrangler: CommandRule = (inv, scan) => {
  const [a, b] = inv.positionals();
  if (a === "d1" && b === "execute") {
    const sql = inv.value("--command");
    if (sql) scan.sql(sql, "wrangler d1 execute");
    return;
  }
  if (a === "secret" && (b === "put" || b === "bulk"))
    return void scan.out.push(finding("secrets.write", "wrangler secret put overwrites a Worker secret", inv.text()));
  if (a === "secret" && b === "delete") return void scan.out.push(finding("secrets.delete", "wrangler secret delete", inv.text()));
  genericManagement(inv, scan, "cloud");
};

const prisma: CommandRule = (inv, scan) => {
  const [a, b] = inv.positionals();
  if ((a === "migrate" && b === "reset") || (a === "db" && b === "push" && inv.has("--force-reset")))
    scan.out.push(finding("db.delete", "prisma reset drops the database's data", inv.text()));
};

const generic =
  (family: Family): CommandRule =>
  (inv, scan) =>
    genericManagement(inv, scan, family);

export const MANAGEMENT_RULES: Record<string, CommandRule> = {
  ...Object.fromEntries(Object.entries(TOOLS).map(([name, family]) => [name, generic(family)])),
  vault,
  "kafka-topics": kafka,
  "kafka-consumer-groups": kafka,
  "kafka-acls": kafka,
  "kafka-configs": kafka,
  aws,
  gcloud,
  gsutil,
  az,
  azcopy,
  rsync,
  rclone,
  s3cmd,
  mc,
  restic,
  docker,
  podman: docker,
  nerdctl: docker,
  "docker-compose": docker,
  "podman-compose": docker,
  kubectl,
  oc: kubectl,
  helm,
  terraform,
  tofu: terraform,
  terragrunt: terraform,
  pulumi,
  gh,
  stripe,
  wrangler,
  prisma,
};
