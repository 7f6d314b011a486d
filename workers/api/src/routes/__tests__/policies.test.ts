/**
 * Policies as code (Cedar) end to end in workerd: the routes (versions, diff, rollback, 422 on an
 * invalid set, roles, other tenants), and enforcement through the real policy Worker (the POLICY
 * service binding to workers/policy, an auxiliary Worker here) at the egress proxy and at a
 * skill's tool call — for the tenant that turned Cedar on, and only for it.
 */
import { describe, expect, it } from "vitest";
import { call, createTenant, expectError, signup, tenantWithRoles, type TestUser } from "../../../../../test/workers/harness";
import { egressAgent, egressEvents, envelope, flushGate } from "../../../../../test/workers/egress-harness";
import { chainEntries } from "../../../../../test/workers/audit-view";
import { STARTER_POLICY } from "../../../../shared/policy/schema";

const HOST = "api.upstream.example";
const API = `https://${HOST}`;
const FORBID_HOST = `${STARTER_POLICY}
forbid (principal, action == Switchboard::Action::"egress.call", resource == Switchboard::Domain::"${HOST}");`;
const FORBID_DELETE = `${STARTER_POLICY}
forbid (principal, action == Switchboard::Action::"egress.call", resource)
  when { context.method == "DELETE" };`;

const base = (tenantId: string) => `/v1/tenants/${tenantId}/policies`;

async function save(tenantId: string, user: TestUser, text: string, message = "change") {
  return call(`${base(tenantId)}/versions`, { body: { text, message }, cookie: user.cookie });
}

async function enable(tenantId: string, user: TestUser, enabled = true) {
  return call(`${base(tenantId)}/settings`, { method: "PUT", body: { enabled }, cookie: user.cookie });
}

describe("policy versions", () => {
  it("saves versions with author and message, diffs two, rolls back as a new version", async () => {
    const owner = await signup("pol-owner");
    const tenantId = await createTenant(owner, "Policies");
    const settings = await call(base(tenantId), { cookie: owner.cookie });
    expect(settings.status).toBe(200);
    expect(settings.body.policies).toMatchObject({ enabled: false, currentVersion: null });
    expect(settings.body.policies.schema).toContain("entity Agent in [Team]");
    expect(settings.body.policies.actions).toContainEqual({ action: "egress.call", enforced: true });
    expect(settings.body.policies.actions).toContainEqual({ action: "relay.send", enforced: false });

    const v1 = await save(tenantId, owner, STARTER_POLICY, "start");
    expect(v1.status, JSON.stringify(v1.body)).toBe(201);
    expect(v1.body.version).toMatchObject({ version: 1, message: "start", createdBy: owner.id, rolledBackFrom: null });
    const v2 = await save(tenantId, owner, FORBID_HOST, "no upstream");
    expect(v2.body.version.version).toBe(2);

    const list = await call(`${base(tenantId)}/versions`, { cookie: owner.cookie });
    expect(list.body.data.map((v: { version: number }) => v.version)).toEqual([2, 1]);

    const diff = await call(`${base(tenantId)}/diff?from=1&to=2`, { cookie: owner.cookie });
    expect(diff.status).toBe(200);
    // The blank line and the forbid.
    expect(diff.body.diff.added).toBe(2);
    expect(diff.body.diff.removed).toBe(0);
    expect(diff.body.diff.unified).toContain(`+forbid (principal, action == Switchboard::Action::"egress.call"`);
    expect(diff.body.diff.lines.filter((l: { op: string }) => l.op === "add").map((l: { text: string }) => l.text)[1]).toMatch(/^forbid/);

    const rolled = await call(`${base(tenantId)}/versions/1/rollback`, { method: "POST", cookie: owner.cookie });
    expect(rolled.status, JSON.stringify(rolled.body)).toBe(201);
    expect(rolled.body.version).toMatchObject({ version: 3, rolledBackFrom: 1, text: STARTER_POLICY, message: "Rollback to version 1" });
    const same = await call(`${base(tenantId)}/diff?from=1&to=3`, { cookie: owner.cookie });
    expect(same.body.diff).toMatchObject({ added: 0, removed: 0 });

    // A stale edit loses: 409, nothing written.
    const stale = await call(`${base(tenantId)}/versions`, {
      body: { text: STARTER_POLICY, message: "stale", expectedVersion: 2 },
      cookie: owner.cookie,
    });
    expectError(stale, 409, "version_conflict");
    expectError(await call(`${base(tenantId)}/versions/9`, { cookie: owner.cookie }), 404, "not_found");
    expectError(await call(`${base(tenantId)}/diff?from=1&to=9`, { cookie: owner.cookie }), 404, "not_found");

    const actions = (await chainEntries(tenantId)).map((e) => e.action).filter((a) => a.startsWith("policy."));
    expect(actions).toEqual(["policy.version_saved", "policy.version_saved", "policy.rolled_back"]);
  });

  it("refuses an invalid set with 422 and Cedar's messages, and saves nothing", async () => {
    const owner = await signup("pol-invalid");
    const tenantId = await createTenant(owner, "Invalid");
    const unknownType = await save(tenantId, owner, "forbid (principal, action, resource is Switchboard::Bucket);");
    expectError(unknownType, 422, "policy_invalid");
    expect(unknownType.body.error.details.errors[0].message).toMatch(/Bucket/);
    const badAttr = await save(
      tenantId,
      owner,
      `permit (principal, action == Switchboard::Action::"egress.call", resource) when { context.colour == "red" };`,
    );
    expectError(badAttr, 422, "policy_invalid");
    const syntax = await call(`${base(tenantId)}/validate`, {
      body: { text: "permit (principal action, resource)" },
      cookie: owner.cookie,
    });
    expectError(syntax, 422, "policy_invalid");
    expect(syntax.body.error.details.errors[0].offset).toMatchObject({ start: expect.any(Number) });
    const ok = await call(`${base(tenantId)}/validate`, { body: { text: FORBID_DELETE }, cookie: owner.cookie });
    expect(ok.body).toEqual({ valid: true, policies: 2 });
    expect((await call(`${base(tenantId)}/versions`, { cookie: owner.cookie })).body.data).toEqual([]);
    // Turning Cedar on needs a saved version.
    expectError(await enable(tenantId, owner), 409, "conflict");
  });

  it("lets everyone read, only owners and admins change; other tenants get 404", async () => {
    const t = await tenantWithRoles("Policy roles");
    expect((await save(t.tenantId, t.admin, STARTER_POLICY)).status).toBe(201);
    for (const role of ["member", "viewer"] as const) {
      const user = t.byRole[role];
      expect((await call(base(t.tenantId), { cookie: user.cookie })).status).toBe(200);
      expect((await call(`${base(t.tenantId)}/versions/1`, { cookie: user.cookie })).status).toBe(200);
      expectError(await save(t.tenantId, user, STARTER_POLICY), 403, "forbidden");
      expectError(await enable(t.tenantId, user), 403, "forbidden");
      expectError(await call(`${base(t.tenantId)}/versions/1/rollback`, { method: "POST", cookie: user.cookie }), 403, "forbidden");
      expectError(await call(`${base(t.tenantId)}/dry-run`, { body: { text: STARTER_POLICY }, cookie: user.cookie }), 403, "forbidden");
    }
    const stranger = await signup("pol-stranger");
    await createTenant(stranger, "Elsewhere");
    expectError(await call(base(t.tenantId), { cookie: stranger.cookie }), 404, "not_found");
    expectError(await call(`${base(t.tenantId)}/versions/1`, { cookie: stranger.cookie }), 404, "not_found");
    expectError(await save(t.tenantId, stranger, STARTER_POLICY), 404, "not_found");
    expectError(await enable(t.tenantId, stranger, false), 404, "not_found");
  });
});

describe("enforcement at the egress proxy", () => {
  it("a forbid on a domain blocks the call for the tenant that turned Cedar on, and only for it", async () => {
    const a = await egressAgent({ rules: [{ host: HOST }] });
    const b = await egressAgent({ rules: [{ host: HOST }] });
    // Both tenants save the same forbid; only A turns Cedar on.
    expect((await save(a.tenantId, a.owner, FORBID_HOST)).status).toBe(201);
    expect((await save(b.tenantId, b.owner, FORBID_HOST)).status).toBe(201);
    // A's gate is warm before the switch: turning Cedar on must reach it at once.
    expect((await envelope(a.token, { url: `${API}/echo/${crypto.randomUUID()}` })).status).toBe(200);
    const on = await enable(a.tenantId, a.owner);
    expect(on.status).toBe(200);
    expect(on.body.policies).toMatchObject({ enabled: true, currentVersion: 1 });

    const denied = await envelope(a.token, { url: `${API}/echo/${crypto.randomUUID()}` });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({ code: "egress_denied", details: { reason: "cedar_denied" } });
    expect(denied.body.error.details.detail ?? denied.body.error.message).toMatch(/Cedar policy v1/);
    expect((await envelope(b.token, { url: `${API}/echo/${crypto.randomUUID()}` })).status).toBe(200);

    // Native rules still apply: Cedar permits everything else, but an unlisted host is still refused natively.
    const unlisted = await envelope(a.token, { url: "https://other.upstream.example/x" });
    expect(unlisted.body.error.details.reason).toBe("no_matching_rule");

    await flushGate(a.agentId);
    const events = await egressEvents(a.tenantId, a.agentId);
    expect(events.filter((e) => e.details.reason === "cedar_denied")).toHaveLength(1);
    const audit = (await chainEntries(a.tenantId)).map((e) => e.action);
    expect(audit).toContain("policy.cedar_enabled");

    // Method-level policy, via a new version: GET passes, DELETE is refused.
    expect((await save(a.tenantId, a.owner, FORBID_DELETE)).status).toBe(201);
    expect((await envelope(a.token, { url: `${API}/echo/${crypto.randomUUID()}` })).status).toBe(200);
    const del = await envelope(a.token, { url: `${API}/echo/${crypto.randomUUID()}`, method: "DELETE" });
    expect(del.body.error?.details?.reason).toBe("cedar_denied");

    // Off again: native policy only.
    expect((await enable(a.tenantId, a.owner, false)).body.policies.enabled).toBe(false);
    const after = await envelope(a.token, { url: `${API}/echo/${crypto.randomUUID()}`, method: "DELETE" });
    expect(after.body.error?.details?.reason).not.toBe("cedar_denied");
    expect((await chainEntries(a.tenantId)).map((e) => e.action)).toContain("policy.cedar_disabled");
  });
});

describe("enforcement at a skill's tool call", () => {
  it("a forbid on skill.invoke refuses the tool (403 policy_denied, audited) once the tenant turns Cedar on", async () => {
    const agent = await egressAgent();
    const published = await call(`/v1/tenants/${agent.tenantId}/skills`, {
      body: {
        manifest: {
          name: "acme-tools",
          version: "1.0.0",
          title: "Acme tools",
          description: "Says hello.",
          network: [],
          env: [],
          files: [],
          handler: { entry: "index.js", runtime: "workers" },
        },
        modules: { "index.js": "export async function run() { return { ok: true }; }" },
        tools: [{ name: "run", description: "Runs.", inputSchema: { type: "object" }, outputSchema: { type: "object" } }],
      },
      cookie: agent.owner.cookie,
    });
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    const installed = await call(`/v1/tenants/${agent.tenantId}/agents/${agent.agentId}/skills/acme-tools`, {
      method: "PUT",
      body: { mode: "live" },
      cookie: agent.owner.cookie,
    });
    expect(installed.status).toBe(200);
    const token = (await call("/v1/agent-tokens", { body: { agentId: agent.agentId, secret: agent.secret, audience: "relay" } })).body
      .access_token;
    const invoke = () =>
      call("/v1/agent/skills/acme-tools/tools/run", { body: { input: {} }, headers: { authorization: `Bearer ${token}` } });
    expect((await invoke()).status).toBe(200);

    const forbid = `${STARTER_POLICY}
forbid (principal, action == Switchboard::Action::"skill.invoke", resource == Switchboard::Skill::"acme-tools")
  when { context.tool == "run" };`;
    await save(agent.tenantId, agent.owner, forbid);
    // Saved but not on: still runs.
    expect((await invoke()).status).toBe(200);
    await enable(agent.tenantId, agent.owner);
    const denied = await invoke();
    expectError(denied, 403, "policy_denied");
    expect(denied.body.error.details).toMatchObject({ policyVersion: 1, policies: ["policy1"] });
    await flushGate(agent.agentId);
    const trail = (await chainEntries(agent.tenantId)).filter((e) => e.action === "skill.invoked");
    expect(trail.map((e) => e.outcome)).toEqual(["success", "success", "denied"]);
    expect(trail[2]!.details).toMatchObject({ error: "policy_denied", tool: "run", skill: "acme-tools" });

    // The dry-run sees that denial as Cedar's: a permissive draft would allow it again.
    const dry = await call(`${base(agent.tenantId)}/dry-run`, { body: { text: STARTER_POLICY }, cookie: agent.owner.cookie });
    expect(dry.body.report.changed).toEqual([expect.objectContaining({ auditAction: "skill.invoked", from: "deny", to: "allow" })]);
  });
});

describe("dry-run", () => {
  it("replays recent audit events through a draft and lists the decisions that would change", async () => {
    const agent = await egressAgent({ rules: [{ host: HOST }] });
    for (let i = 0; i < 2; i++) expect((await envelope(agent.token, { url: `${API}/echo/${crypto.randomUUID()}` })).status).toBe(200);
    // A natively denied call: no draft can make it allowed.
    await envelope(agent.token, { url: "https://not-allowed.example/x" });
    await flushGate(agent.agentId);

    const dry = await call(`${base(agent.tenantId)}/dry-run`, { body: { text: FORBID_HOST, events: 50 }, cookie: agent.owner.cookie });
    expect(dry.status, JSON.stringify(dry.body)).toBe(200);
    expect(dry.body.report).toMatchObject({ replayed: 3, nativeDenied: 1, allowToDeny: 2, denyToAllow: 0, unchanged: 1 });
    expect(dry.body.report.changed[0]).toMatchObject({
      auditAction: "egress.request_allowed",
      agentId: agent.agentId,
      from: "allow",
      to: "deny",
      policies: ["policy1"],
    });
    expect(dry.body.report.changed[0].summary).toMatch(/^GET https:\/\/api\.upstream\.example\/echo\//);
    const same = await call(`${base(agent.tenantId)}/dry-run`, { body: { text: STARTER_POLICY }, cookie: agent.owner.cookie });
    expect(same.body.report).toMatchObject({ allowToDeny: 0, denyToAllow: 0, changed: [] });

    // Cedar on with the forbid: the call is denied BY CEDAR, so a permissive draft shows deny → allow.
    await save(agent.tenantId, agent.owner, FORBID_HOST);
    await enable(agent.tenantId, agent.owner);
    expect((await envelope(agent.token, { url: `${API}/echo/${crypto.randomUUID()}` })).status).toBe(403);
    await flushGate(agent.agentId);
    const back = await call(`${base(agent.tenantId)}/dry-run`, { body: { text: STARTER_POLICY, events: 50 }, cookie: agent.owner.cookie });
    expect(back.body.report).toMatchObject({ denyToAllow: 1, allowToDeny: 0 });

    const invalid = await call(`${base(agent.tenantId)}/dry-run`, { body: { text: "forbid (" }, cookie: agent.owner.cookie });
    expectError(invalid, 422, "policy_invalid");
  });
});
