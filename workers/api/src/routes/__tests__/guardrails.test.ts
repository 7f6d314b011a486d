/**
 * POST /v1/agent/guardrails/check: the engine's decision under the tenant's policy (its versioned
 * config) and the agent's trust level, one `guardrail.checked` audit event per check, and the
 * ugly paths (no token, bad input, a policy naming an unknown rule, another tenant's policy).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { as, coordFixture, type CoordFixture } from "../../../../../test/workers/coordination-harness";
import { call, expectError } from "../../../../../test/workers/harness";

let f: CoordFixture;
let other: CoordFixture;
beforeAll(async () => {
  f = await coordFixture([
    { template: "ops", trustLevel: 2 },
    { template: "ops", trustLevel: 3 },
  ]);
  other = await coordFixture([{ template: "ops", trustLevel: 2 }]);
});
const check = (fx: CoordFixture, i: number, body: unknown) => as(fx, fx.agents[i]!).post("/v1/agent/guardrails/check", body);
const setPolicy = (fx: CoordFixture, guardrails: unknown) =>
  call(`/v1/tenants/${fx.tenantId}`, { method: "PATCH", body: { config: { guardrails } }, cookie: fx.owner.cookie });

describe("POST /v1/agent/guardrails/check", () => {
  it("blocks critical operations, asks for approval on high ones, allows look-alikes", async () => {
    const blocked = await check(f, 0, { action: "shell.exec", content: "sudo env X=1 bash -c 'rm -rf / --no-preserve-root'" });
    expect(blocked.status).toBe(200);
    expect(blocked.body).toMatchObject({
      allowed: false,
      requiresApproval: false,
      decision: "block",
      engine: "native",
      findings: [expect.objectContaining({ ruleId: "fs.rm_root", pack: "core.filesystem", severity: "critical", action: "block" })],
    });
    expect((await check(f, 0, { action: "shell.exec", content: "cd repo && git reset --hard origin/main" })).body).toMatchObject({
      allowed: false,
      requiresApproval: true,
      decision: "require_approval",
    });
    expect((await check(f, 0, { action: "shell.exec", content: "rm -rf /tmp/build && git status" })).body).toMatchObject({
      allowed: true,
      decision: "allow",
      findings: [],
    });
    expect((await check(f, 0, { action: "sql", content: "DELETE FROM orders" })).body.findings[0].ruleId).toBe("sql.delete_all");
    expect((await check(f, 0, { action: "http.delete", resource: "https://api.github.com/repos/acme/app" })).body).toMatchObject({
      decision: "require_approval",
      findings: [expect.objectContaining({ ruleId: "http.delete" })],
    });
    expect((await check(f, 0, { action: "deploy", resource: "prod" })).body).toMatchObject({
      allowed: true,
      decision: "allow",
      reasons: [expect.stringMatching(/Nothing to check/)],
    });
  });

  it("trust levels 3–4 go ahead without approval (logged); block still blocks", async () => {
    expect((await check(f, 1, { action: "shell.exec", content: "git reset --hard" })).body).toMatchObject({
      allowed: true,
      decision: "log",
      trustAdjusted: true,
    });
    expect((await check(f, 1, { action: "shell.exec", content: "rm -rf ~" })).body).toMatchObject({ allowed: false, decision: "block" });
  });

  it("follows the tenant's policy (versioned config), and only that tenant's", async () => {
    const res = await setPolicy(f, {
      severities: { critical: "block", high: "log", medium: "log" },
      packs: { "core.git": "block" },
      rules: { "sql.delete_all": "allow" },
    });
    expect(res.status).toBe(200);
    expect(res.body.tenant.config.guardrails.packs).toEqual({ "core.git": "block" });
    expect((await check(f, 0, { action: "shell.exec", content: "git push --force origin main" })).body.decision).toBe("block");
    expect((await check(f, 0, { action: "sql", content: "DELETE FROM orders" })).body.decision).toBe("allow");
    expect((await check(f, 0, { action: "shell.exec", content: "terraform destroy" })).body.decision).toBe("log");
    // Another tenant keeps the default.
    expect((await check(other, 0, { action: "shell.exec", content: "git push --force origin main" })).body.decision).toBe(
      "require_approval",
    );
    expectError(
      await setPolicy(f, { severities: { critical: "block", high: "log", medium: "log" }, rules: { "git.nope": "block" } }),
      400,
      "validation_failed",
    );
    expect((await setPolicy(f, { severities: { critical: "block", high: "require_approval", medium: "log" } })).status).toBe(200);
  });

  it("every check is a guardrail.checked audit event, with the matched excerpt only", async () => {
    await check(f, 0, { action: "shell.exec", content: "echo SECRET_TOKEN_abc123 > /tmp/x; kubectl delete namespace prod" });
    const rows = await call(`/v1/tenants/${f.tenantId}/audit?action=guardrail.checked&limit=100`, { cookie: f.owner.cookie });
    expect(rows.status).toBe(200);
    const ev = rows.body.data.find((e: { details: { findings: Array<{ ruleId: string }> } }) =>
      e.details.findings.some((x) => x.ruleId === "kubernetes.delete_all"),
    );
    expect(ev).toMatchObject({
      actor: { type: "agent", id: f.agents[0]!.id },
      outcome: "denied",
      details: { decision: "block", via: "http", subject: "command" },
    });
    expect(JSON.stringify(ev)).not.toContain("SECRET_TOKEN_abc123");
  });

  it("refuses a missing token and bad input", async () => {
    expectError(await call("/v1/agent/guardrails/check", { body: { action: "shell.exec", content: "ls" } }), 401, "unauthenticated");
    expectError(await check(f, 0, { action: "", content: "ls" }), 400, "validation_failed");
    expectError(await check(f, 0, { action: "shell.exec", content: "x".repeat(20_000) }), 400, "validation_failed");
    expectError(await check(f, 0, { action: "shell.exec", content: "ls", extra: 1 }), 400, "validation_failed");
  });
});
