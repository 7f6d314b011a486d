/**
 * POST /v1/tenants/{tenantId}/guardrails/check — the dashboard's "test a command" box: the
 * tenant's current guardrail policy judges a command at a chosen trust level (default 2); a policy
 * change changes the answer; every member (a viewer too) may ask; nothing is audited; another
 * tenant's id is 404; bad bodies are 400 in the error shape.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { call, expectError, signup, tenantWithRoles, type TestUser } from "../../../../../test/workers/harness";

let t: Awaited<ReturnType<typeof tenantWithRoles>>;
let outsider: TestUser;
beforeAll(async () => {
  t = await tenantWithRoles("Guardrail testers");
  outsider = await signup("outsider");
  const res = await call("/v1/tenants", { body: { name: "Outsider tenant" }, cookie: outsider.cookie });
  expect(res.status).toBe(201);
});

const check = (user: TestUser, body: unknown, tenantId = t.tenantId) =>
  call(`/v1/tenants/${tenantId}/guardrails/check`, { body, cookie: user.cookie });
const setPolicy = (guardrails: unknown) =>
  call(`/v1/tenants/${t.tenantId}`, { method: "PATCH", body: { config: { guardrails } }, cookie: t.owner.cookie });

describe("POST /v1/tenants/{tenantId}/guardrails/check", () => {
  it("blocks a destructive command, allows a harmless one, at trust level 2 by default, under the default policy", async () => {
    const blocked = await check(t.owner, { action: "shell.exec", content: "sudo rm -rf /" });
    expect(blocked.status).toBe(200);
    expect(blocked.body).toMatchObject({
      trustLevel: 2,
      policy: { severities: { critical: "block", high: "require_approval", medium: "log" } },
      verdict: {
        allowed: false,
        decision: "block",
        findings: [expect.objectContaining({ ruleId: "fs.rm_root", pack: "core.filesystem", severity: "critical", action: "block" })],
      },
    });
    expect(blocked.body.verdict.reasons[0]).toEqual(expect.any(String));
    expect(typeof blocked.body.configVersion).toBe("number");

    const harmless = await check(t.owner, { action: "shell.exec", content: "ls -la" });
    expect(harmless.status).toBe(200);
    expect(harmless.body.verdict).toMatchObject({ allowed: true, decision: "allow", findings: [] });
  });

  it("the trust level changes require_approval into log at 3, never a block", async () => {
    const body = { action: "shell.exec", content: "git reset --hard origin/main" };
    expect((await check(t.owner, body)).body.verdict).toMatchObject({ decision: "require_approval", requiresApproval: true });
    expect((await check(t.owner, { ...body, trustLevel: 3 })).body).toMatchObject({
      trustLevel: 3,
      verdict: { decision: "log", trustAdjusted: true, allowed: true },
    });
    expect((await check(t.owner, { action: "shell.exec", content: "sudo rm -rf /", trustLevel: 4 })).body.verdict.decision).toBe("block");
  });

  it("judges HTTP calls and SQL like the agent endpoint", async () => {
    const del = await check(t.owner, { action: "http.delete", resource: "https://api.example.com/v1/users/1" });
    expect(del.body.verdict.findings).toEqual([expect.objectContaining({ ruleId: "http.delete" })]);
    expect((await check(t.owner, { action: "sql", content: "DELETE FROM orders" })).body.verdict.findings[0].ruleId).toBe("sql.delete_all");
  });

  it("follows the tenant's current policy: a rule override changes the answer, and back", async () => {
    expect(
      (await setPolicy({ severities: { critical: "block", high: "require_approval", medium: "log" }, rules: { "fs.rm_root": "log" } }))
        .status,
    ).toBe(200);
    const relaxed = await check(t.viewer, { action: "shell.exec", content: "sudo rm -rf /" });
    expect(relaxed.body.verdict).toMatchObject({
      decision: "log",
      findings: [expect.objectContaining({ ruleId: "fs.rm_root", action: "log" })],
    });
    expect(relaxed.body.policy.rules).toEqual({ "fs.rm_root": "log" });

    expect((await setPolicy({ severities: { critical: "block", high: "block", medium: "log" }, packs: {}, rules: {} })).status).toBe(200);
    expect((await check(t.viewer, { action: "shell.exec", content: "git reset --hard origin/main" })).body.verdict.decision).toBe("block");
    expect(
      (await setPolicy({ severities: { critical: "block", high: "require_approval", medium: "log" }, packs: {}, rules: {} })).status,
    ).toBe(200);
  });

  it("every role may use it, and it writes no audit event", async () => {
    for (const role of ["owner", "admin", "member", "viewer"] as const) {
      const res = await check(t.byRole[role], { action: "shell.exec", content: "kubectl delete namespace guardrail-probe" });
      expect(res.status, role).toBe(200);
      expect(res.body.verdict.findings.length, role).toBeGreaterThan(0);
    }
    const audit = await call(`/v1/tenants/${t.tenantId}/audit?action=guardrail.checked&limit=100`, { cookie: t.owner.cookie });
    expect(audit.status).toBe(200);
    expect(audit.body.data).toEqual([]);
  });

  it("another tenant's id is 404; no session is 401", async () => {
    expectError(await check(outsider, { action: "shell.exec", content: "ls" }), 404, "not_found");
    expectError(
      await call(`/v1/tenants/${t.tenantId}/guardrails/check`, { body: { action: "shell.exec", content: "ls" } }),
      401,
      "unauthenticated",
    );
  });

  it("a bad body is 400 in the error shape", async () => {
    expectError(await check(t.owner, { content: "ls" }), 400, "validation_failed");
    expectError(await check(t.owner, { action: "shell.exec", content: "ls", trustLevel: 7 }), 400, "validation_failed");
    expectError(await check(t.owner, { action: "shell.exec", content: "ls", extra: true }), 400, "validation_failed");
  });
});
