/**
 * The kill switch (docs/governance.md "Kill switch and safe mode") end to end in workerd: entering
 * safe mode closes open relay sockets with 4023, refuses token exchange and verification (relay
 * connect, the HTTP agent API, MCP) with 423 `safe_mode`, freezes egress at the EgressGate; lifting
 * restores all of it. Team safe mode holds only that team's agents. Roles, tenants, MFA, audit, alert.
 */
import { env } from "cloudflare:workers";
import { Secret, TOTP } from "otpauth";
import { describe, expect, it } from "vitest";
import { chainEntries } from "../../../../../test/workers/audit-view";
import { egressAgent, envelope } from "../../../../../test/workers/egress-harness";
import { addMember, call, createTenant, expectError, signup, type TestUser } from "../../../../../test/workers/harness";
import { connectAgent, join, relayFixture, tokenFor, type RelayFixture } from "../../../../../test/workers/relay-harness";

const API = "https://api.upstream.example";

const enter = (f: { tenantId: string }, user: TestUser, body: Record<string, unknown> = { reason: "incident 42" }, teamId?: string) =>
  call(`/v1/tenants/${f.tenantId}${teamId ? `/teams/${teamId}` : ""}/safe-mode`, { body, cookie: user.cookie });
const lift = (f: { tenantId: string }, user: TestUser, body: Record<string, unknown> = {}, teamId?: string) =>
  call(`/v1/tenants/${f.tenantId}${teamId ? `/teams/${teamId}` : ""}/safe-mode/lift`, { body, cookie: user.cookie });

async function exchange(agent: { id: string; secret: string }, teamId?: string) {
  return call("/v1/agent-tokens", {
    body: { agentId: agent.id, secret: agent.secret, ...(teamId ? { teamId } : {}) },
    headers: { "cf-connecting-ip": `203.0.113.${Math.floor(Math.random() * 250) + 1}` },
  });
}

const mcpList = (token: string) =>
  call("/mcp", {
    body: { jsonrpc: "2.0", id: 1, method: "tools/list" },
    headers: { authorization: `Bearer ${token}`, accept: "application/json, text/event-stream" },
  });

/** A relay team of two agents plus an egress-capable agent, in one tenant. */
async function fixture(): Promise<RelayFixture & { egress: Awaited<ReturnType<typeof egressAgent>> }> {
  const f = await relayFixture([{}, {}]);
  const egress = await egressAgent({ owner: f.owner, tenantId: f.tenantId, rules: [{ host: "api.upstream.example" }] });
  return { ...f, egress };
}

describe("tenant safe mode", () => {
  it("closes open sockets with 4023, refuses tokens, the agent API, MCP and egress; lifting restores them; audited and alerted", async () => {
    const f = await fixture();
    const [a, b] = f.agents as [RelayFixture["agents"][0], RelayFixture["agents"][0]];
    const alice = await join(f, a);
    const early = await connectAgent(f.teamId, await tokenFor(b, f.teamId));
    const held = await tokenFor(a, f.teamId);
    expect((await envelope(f.egress.token, { url: `${API}/ok` })).status).toBe(200);

    const entered = await enter(f, f.owner);
    expect(entered.status).toBe(201);
    expect(entered.body).toMatchObject({ safeMode: { scope: "tenant", teamId: null, reason: "incident 42" }, agentsHeld: 3 });
    expect(entered.body.closedConnections).toBeGreaterThanOrEqual(2);
    expect(await alice.waitClosed(1000)).toEqual({ code: 4023, reason: "safe mode" });
    expect(await early.waitClosed(1000)).toEqual({ code: 4023, reason: "safe mode" });

    // New tokens: refused at the exchange, with the scope.
    const exchanged = await exchange(a, f.teamId);
    expectError(exchanged, 423, "safe_mode");
    expect(exchanged.body.error.details).toEqual({ scope: "tenant" });
    // Tokens issued before: refused at relay connect, the HTTP agent API and MCP.
    const connect = await call(`/v1/teams/${f.teamId}/relay`, { headers: { upgrade: "websocket", authorization: `Bearer ${held}` } });
    expectError(connect, 423, "safe_mode");
    expectError(await call("/v1/agent/me", { headers: { authorization: `Bearer ${held}` } }), 423, "safe_mode");
    const mcp = await mcpList(held);
    expect(mcp.status).toBe(401);
    expect(mcp.body.error_description).toMatch(/^safe_mode:/);
    // Egress: the egress token was issued before; the gate refuses the call.
    const frozen = await envelope(f.egress.token, { url: `${API}/ok` });
    expect(frozen.status).toBe(423);
    expect(frozen.body.error).toMatchObject({ code: "safe_mode", details: { reason: "safe_mode" } });

    // Everyone in the tenant sees it (the banner).
    const status = await call(`/v1/tenants/${f.tenantId}/safe-mode`, { cookie: f.viewer.cookie });
    expect(status.status).toBe(200);
    expect(status.body.tenant).toMatchObject({ scope: "tenant", reason: "incident 42", enteredBy: { id: f.owner.id } });
    expectError(await enter(f, f.owner), 409, "conflict");

    const lifted = await lift(f, f.owner, { reason: "contained" });
    expect(lifted.status).toBe(200);
    expect(lifted.body).toEqual({ tenant: null, teams: [] });
    expect((await exchange(a, f.teamId)).status).toBe(200);
    expect((await call("/v1/agent/me", { headers: { authorization: `Bearer ${held}` } })).status).toBe(200);
    expect((await mcpList(held)).status).toBe(200);
    const back = await join(f, a);
    expect(back.closed).toBeNull();
    expect((await envelope(f.egress.token, { url: `${API}/ok` })).status).toBe(200);
    expectError(await lift(f, f.owner), 409, "conflict");

    const trail = await chainEntries(f.tenantId);
    const enteredEvent = trail.find((e) => e.action === "safe_mode.entered");
    expect(enteredEvent).toMatchObject({
      actor: { type: "user", id: f.owner.id },
      severity: "critical",
      target: { type: "tenant", id: f.tenantId },
      details: { scope: "tenant", reason: "incident 42", agentsHeld: 3 },
    });
    expect(trail.find((e) => e.action === "safe_mode.lifted")).toMatchObject({ details: { scope: "tenant", reason: "contained" } });
    expect(trail.some((e) => e.action === "agent.token_refused" && e.details.reason === "safe_mode")).toBe(true);
    // The built-in alert rule exists and listens to safe_mode.*.
    const rule = await env.DB.prepare("select match, severity from alert_rules where tenant_id = ?")
      .bind(f.tenantId)
      .all<{ match: string; severity: string }>();
    expect(rule.results.map((r) => JSON.parse(r.match).action)).toContain("safe_mode.*");
  });
});

describe("team safe mode", () => {
  it("holds only that team's agents; another team of the tenant keeps working", async () => {
    const f = await relayFixture([{}, {}, {}]);
    const [a, b, c] = f.agents as [RelayFixture["agents"][0], RelayFixture["agents"][0], RelayFixture["agents"][0]];
    // A second team with agent c only; the first team is a, b, c (c is in both).
    const other = await call(`/v1/tenants/${f.tenantId}/teams`, { body: { name: "Other", agentIds: [c.id] }, cookie: f.owner.cookie });
    expect(other.status).toBe(201);
    const otherTeam = other.body.team.id as string;
    // A third team with a fresh agent that is in no held team.
    const free = await call(`/v1/tenants/${f.tenantId}/agents`, {
      body: { name: "Free", template: "custom", trustLevel: 2 },
      cookie: f.owner.cookie,
    });
    const freeAgent = { id: free.body.agent.id as string, secret: free.body.secret as string, template: "custom" };
    const third = await call(`/v1/tenants/${f.tenantId}/teams`, {
      body: { name: "Third", agentIds: [freeAgent.id] },
      cookie: f.owner.cookie,
    });
    const thirdTeam = third.body.team.id as string;
    const alice = await join(f, a);
    const carolElsewhere = await connectAgent(otherTeam, await tokenFor(c, otherTeam));
    const freeSocket = await connectAgent(thirdTeam, await tokenFor(freeAgent, thirdTeam));

    const entered = await enter(f, f.owner, { reason: "team only" }, f.teamId);
    expect(entered.status).toBe(201);
    expect(entered.body.safeMode).toMatchObject({ scope: "team", teamId: f.teamId, teamName: "Relay team" });
    expect(await alice.waitClosed(1000)).toEqual({ code: 4023, reason: "safe mode" });
    // A held agent is held everywhere: c's socket on its other team closes too.
    expect(await carolElsewhere.waitClosed(1000)).toEqual({ code: 4023, reason: "safe mode" });
    const refused = await exchange(b, f.teamId);
    expectError(refused, 423, "safe_mode");
    expect(refused.body.error.details).toEqual({ scope: "team", teamId: f.teamId });
    // The agent outside the held team is untouched.
    expect(freeSocket.closed).toBeNull();
    expect((await exchange(freeAgent, thirdTeam)).status).toBe(200);

    const status = await call(`/v1/tenants/${f.tenantId}/safe-mode`, { cookie: f.viewer.cookie });
    expect(status.body).toMatchObject({ tenant: null, teams: [{ teamId: f.teamId, reason: "team only" }] });
    // Lifting the tenant's (not held) is a conflict; lifting the team's frees its agents.
    expectError(await lift(f, f.owner), 409, "conflict");
    expect((await lift(f, f.owner, {}, f.teamId)).status).toBe(200);
    expect((await exchange(b, f.teamId)).status).toBe(200);
  });
});

describe("who may throw the switch", () => {
  it("members and viewers get 403, API keys 403, another tenant 404, a missing team 404", async () => {
    const f = await relayFixture([{}]);
    const m = await addMember(f.tenantId, "member");
    expectError(await enter(f, m), 403, "forbidden");
    expectError(await enter(f, f.viewer), 403, "forbidden");
    expectError(await enter(f, f.viewer, {}, f.teamId), 403, "forbidden");
    expectError(await lift(f, m), 403, "forbidden");
    const admin = await addMember(f.tenantId, "admin");
    // Bad input: a reason is required.
    expectError(await enter(f, admin, {}), 400, "validation_failed");
    const stranger = await signup("stranger");
    await createTenant(stranger, "Stranger's");
    expectError(await enter(f, stranger), 404, "not_found");
    expectError(await call(`/v1/tenants/${f.tenantId}/safe-mode`, { cookie: stranger.cookie }), 404, "not_found");
    expectError(await enter(f, admin, { reason: "x team" }, "team_01JD0000000000000000000000"), 404, "not_found");
    // An API key needs the scope: without it 403; with it (incident automation) it may throw the switch, no MFA to re-prove.
    const key = await call(`/v1/tenants/${f.tenantId}/api-keys`, {
      body: { name: "ops", scopes: ["governance:safe_mode", "tenant:read"] },
      cookie: f.owner.cookie,
    });
    expect(key.status).toBe(201);
    const readOnly = await call(`/v1/tenants/${f.tenantId}/api-keys`, {
      body: { name: "ro", scopes: ["tenant:read"] },
      cookie: f.owner.cookie,
    });
    expectError(
      await call(`/v1/tenants/${f.tenantId}/safe-mode`, { body: { reason: "by key" }, apiKey: readOnly.body.key }),
      403,
      "forbidden",
    );
    const byKey = await call(`/v1/tenants/${f.tenantId}/safe-mode`, { body: { reason: "by key" }, apiKey: key.body.key });
    expect(byKey.status).toBe(201);
    expect(byKey.body.safeMode).toMatchObject({ reason: "by key", enteredBy: null });
    expect((await call(`/v1/tenants/${f.tenantId}/safe-mode/lift`, { body: {}, apiKey: key.body.key })).status).toBe(200);
    // An admin may.
    expect((await enter(f, admin)).status).toBe(201);
    expect((await lift(f, admin)).status).toBe(200);
  });

  it("a person with MFA must re-prove it: no code 403 mfa_code_required, wrong code 401, a recovery code works", async () => {
    const owner = await signup("mfa-owner");
    const tenantId = await createTenant(owner, "MFA tenant");
    const setup = await call("/v1/me/mfa/totp/setup", { method: "POST", cookie: owner.cookie });
    const enable = await call("/v1/me/mfa/totp/enable", {
      body: { code: TOTP.generate({ secret: Secret.fromBase32(setup.body.secret), timestamp: Date.now() - 30_000 }) },
      cookie: owner.cookie,
    });
    expect(enable.status).toBe(200);
    const [first, second] = enable.body.recoveryCodes as string[];
    expectError(await enter({ tenantId }, owner), 403, "mfa_code_required");
    expectError(await enter({ tenantId }, owner, { reason: "incident", mfaCode: "000000" }), 401, "invalid_mfa_code");
    const status = await call(`/v1/tenants/${tenantId}/safe-mode`, { cookie: owner.cookie });
    expect(status.body.tenant).toBeNull();
    expect((await enter({ tenantId }, owner, { reason: "incident", mfaCode: first })).status).toBe(201);
    expectError(await lift({ tenantId }, owner), 403, "mfa_code_required");
    expect((await lift({ tenantId }, owner, { mfaCode: second })).status).toBe(200);
  });
});
