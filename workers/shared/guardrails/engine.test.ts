/**
 * The guardrail engine: each evasion class the issue names (wrappers, quoting, absolute paths,
 * multi-segment commands, nested shells) is caught, each look-alike class (reads, dry runs,
 * temp-dir cleanups, substrings, data that mentions a command) passes, and the tenant policy and
 * trust level map findings to actions. The corpus-wide figures are `npm run eval`'s job.
 */
import { describe, expect, it } from "vitest";
import { checkGuardrails, DEFAULT_GUARDRAIL_POLICY, GuardrailPolicySchema, scanCommand, scanHttp, scanJson, scanSql } from "./index";

const rules = (command: string) => scanCommand(command).map((f) => f.ruleId);

describe("scanCommand: destructive operations, however they are wrapped", () => {
  it.each([
    ["git reset --hard", "git.reset_hard"],
    ["sudo git reset --hard HEAD~3", "git.reset_hard"],
    ["env GIT_DIR=.git nice -n 19 /usr/bin/git reset --hard", "git.reset_hard"],
    ["bash -c 'git push --force origin main'", "git.push_force"],
    ['sh -c "sudo rm -rf /"', "fs.rm_root"],
    ["echo ok && rm -rf ~", "fs.rm_root"],
    ["ls; r''m -rf /etc", "fs.rm_root"],
    ['true || "rm" -r -f /usr', "fs.rm_root"],
    ["cat list | xargs rm -rf", "fs.rm_recursive"],
    ["/bin/rm -rf ./src", "fs.rm_recursive"],
    ["timeout 10 kubectl delete namespace prod", "kubernetes.delete_all"],
    ["psql -c 'DROP TABLE users'", "sql.drop_table"],
    ['mysql -e "DELETE FROM orders"', "sql.delete_all"],
    ["redis-cli FLUSHALL", "db.flush"],
    ["aws s3 rm s3://bucket --recursive", "storage.delete"],
    ["terraform destroy -auto-approve", "iac.destroy"],
    ["docker system prune -a --volumes", "containers.prune_all"],
    ["vault kv delete secret/app", "secrets.delete"],
    ["dd if=/dev/zero of=/dev/sda", "fs.disk_overwrite"],
    ["python3 -c \"import shutil; shutil.rmtree('/home/user')\"", "fs.rm_root"],
    ["curl -X DELETE https://api.example.com/v1/users/42", "http.delete"],
  ])("%s → %s", (command, rule) => {
    expect(rules(command)).toContain(rule);
  });
});

describe("scanCommand: look-alikes pass", () => {
  it.each([
    "git status",
    "git log --oneline | grep reset",
    "rm -rf /tmp/build-cache",
    "rm -rf $TMPDIR/work",
    "terraform plan -destroy",
    "kubectl delete pod web-1 --dry-run=client",
    "echo 'never run rm -rf / here'",
    "git commit -m 'docs: explain why git reset --hard is dangerous'",
    "grep -r 'DROP TABLE' migrations/",
    "cat <<EOF\nrm -rf /\nEOF",
    "digit --version",
    "docker ps -a",
    "aws s3 ls s3://bucket",
    "SELECT * FROM users WHERE id = 1",
  ])("%s", (command) => {
    expect(scanCommand(command).filter((f) => f.severity !== "medium")).toEqual([]);
  });
});

describe("SQL, HTTP and JSON bodies", () => {
  it("reads SQL statements, with and without WHERE", () => {
    expect(scanSql("DELETE FROM t WHERE id = 3").map((f) => f.ruleId)).toEqual([]);
    expect(scanSql("DELETE FROM t WHERE 1=1").map((f) => f.ruleId)).toContain("sql.delete_all");
    expect(scanSql("select 1; TRUNCATE audit").map((f) => f.ruleId)).toContain("sql.truncate");
  });

  it("judges an HTTP call by method, path and the executable fields of its body", () => {
    expect(scanHttp({ method: "DELETE", url: "https://api.github.com/repos/a/b" }).map((f) => f.ruleId)).toEqual(["http.delete"]);
    expect(scanHttp({ method: "POST", url: "https://api.stripe.com/v1/payouts", body: "amount=100" }).map((f) => f.ruleId)).toContain(
      "payments.transfer",
    );
    expect(scanHttp({ method: "POST", url: "https://es.internal/logs/_delete_by_query" }).map((f) => f.ruleId)).toContain(
      "http.destructive_endpoint",
    );
    expect(
      scanHttp({
        method: "POST",
        url: "https://ci.example.com/run",
        body: JSON.stringify({ command: "sudo rm -rf /" }),
        contentType: "application/json",
      }).map((f) => f.ruleId),
    ).toContain("fs.rm_root");
    expect(scanHttp({ method: "GET", url: "https://api.github.com/repos/a/b/deletes" })).toEqual([]);
    expect(
      scanHttp({
        method: "POST",
        url: "https://chat.example.com/messages",
        body: JSON.stringify({ text: "please never run rm -rf /" }),
        contentType: "application/json",
      }),
    ).toEqual([]);
  });

  it("reads only the fields of a JSON body that a receiver executes", () => {
    expect(scanJson({ command: "git push -f origin main" }).map((f) => f.ruleId)).toContain("git.push_force");
    expect(scanJson({ note: "git push -f origin main" })).toEqual([]);
  });
});

describe("decision: tenant policy and trust level", () => {
  const rm = { kind: "command", command: "rm -rf /" } as const;
  const reset = { kind: "command", command: "git reset --hard" } as const;

  it("defaults: critical blocks, high needs approval, medium logs, nothing found allows", () => {
    expect(checkGuardrails(rm, DEFAULT_GUARDRAIL_POLICY, 2).action).toBe("block");
    expect(checkGuardrails(reset, DEFAULT_GUARDRAIL_POLICY, 2).action).toBe("require_approval");
    expect(checkGuardrails({ kind: "command", command: "git push --force-with-lease" }, DEFAULT_GUARDRAIL_POLICY, 2).action).toBe("log");
    expect(checkGuardrails({ kind: "command", command: "ls" }, DEFAULT_GUARDRAIL_POLICY, 2)).toEqual({
      action: "allow",
      findings: [],
      trustAdjusted: false,
    });
  });

  it("rule overrides win over pack overrides, which win over severities", () => {
    const policy = GuardrailPolicySchema.parse({
      severities: { critical: "block", high: "log", medium: "log" },
      packs: { "core.git": "block" },
      rules: { "git.reset_hard": "allow" },
    });
    expect(checkGuardrails(reset, policy, 2).action).toBe("allow");
    expect(checkGuardrails({ kind: "command", command: "git clean -fdx" }, policy, 2).action).toBe("block");
    expect(checkGuardrails({ kind: "command", command: "aws ec2 terminate-instances --instance-ids i-1" }, policy, 2).action).toBe("log");
  });

  it("trust levels 3–4 act without approval (logged); block still blocks", () => {
    expect(checkGuardrails(reset, DEFAULT_GUARDRAIL_POLICY, 3)).toMatchObject({ action: "log", trustAdjusted: true });
    expect(checkGuardrails(reset, DEFAULT_GUARDRAIL_POLICY, 0)).toMatchObject({ action: "require_approval", trustAdjusted: false });
    expect(checkGuardrails(rm, DEFAULT_GUARDRAIL_POLICY, 4).action).toBe("block");
  });

  it("rejects unknown packs and rules in a policy", () => {
    expect(
      GuardrailPolicySchema.safeParse({ severities: { critical: "block", high: "block", medium: "log" }, packs: { nope: "block" } })
        .success,
    ).toBe(false);
    expect(
      GuardrailPolicySchema.safeParse({ severities: { critical: "block", high: "block", medium: "log" }, rules: { "git.nope": "block" } })
        .success,
    ).toBe(false);
  });

  it("never throws and stays bounded on hostile input", () => {
    const deep = "$(".repeat(5000) + "rm -rf /" + ")".repeat(5000);
    expect(() => scanCommand(deep)).not.toThrow();
    expect(() => scanCommand("'unterminated \"quote $(( ` <<")).not.toThrow();
    expect(() => scanCommand("x".repeat(200_000))).not.toThrow();
  });
});
