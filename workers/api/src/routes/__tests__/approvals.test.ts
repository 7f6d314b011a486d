/**
 * Approvals end to end in workerd: the egress proxy opens an approval for a call that needs a person
 * (guardrail or trust level), a person decides it over HTTP, the agent's retry with
 * X-Switchboard-Approval goes out exactly once; denial, expiry (the desk's alarm), roles,
 * cross-tenant, double decisions, eviction, the agent's own read, safe mode's expireAll, the audit.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { chainEntries } from "../../../../../test/workers/audit-view";
import { egressAgent, egressRequest, upstreamSaw } from "../../../../../test/workers/egress-harness";
import { addMember, call, createTenant, expectError, signup } from "../../../../../test/workers/harness";
import { expirePendingApprovals } from "../../services/approvals";

const API = "https://api.upstream.example";
const tok = () => crypto.randomUUID();
const approvals = (tenantId: string) => `/v1/tenants/${tenantId}/approvals`;

async function egress(token: string, url: string, init: { method: string; body?: string; approval?: string }) {
  const res = await egressRequest("/v1/fetch", {
    method: "POST",
    token,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      url,
      method: init.method,
      headers: { "content-type": "application/json", ...(init.approval ? { "x-switchboard-approval": init.approval } : {}) },
      ...(init.body !== undefined ? { body: init.body } : {}),
    }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

function desk(tenantId: string) {
  return env.APPROVAL_DESK.get(env.APPROVAL_DESK.idFromName(tenantId));
}

/** Moves every open approval's deadline into the past, then runs the desk's alarm (as time passing would). */
async function timePasses(tenantId: string) {
  await runInDurableObject(desk(tenantId), (_o, state) => {
    state.storage.sql.exec("UPDATE approvals SET expires_at = 1 WHERE status IN ('pending', 'approved')");
    for (const row of state.storage.sql.exec<{ id: string; record: string }>("SELECT id, record FROM approvals").toArray()) {
      const rec = JSON.parse(row.record);
      if (rec.status === "pending" || rec.status === "approved") {
        rec.expiresAt = 1;
        state.storage.sql.exec("UPDATE approvals SET record = ? WHERE id = ?", JSON.stringify(rec), row.id);
      }
    }
    // The alarm the desk set (for the 15-minute TTL) is what would fire; here it fires now.
    return state.storage.setAlarm(Date.now());
  });
  // The alarm is due now: the runtime may already have run it; running it again is harmless.
  await runDurableObjectAlarm(desk(tenantId));
}

async function approvalEvents(tenantId: string) {
  return (await chainEntries(tenantId))
    .filter((e) => e.action.startsWith("approval."))
    .map((e) => ({ action: e.action, actor: e.actor.type, actorId: e.actor.id, target: e.target?.id, details: e.details as any }));
}

describe("egress approvals", () => {
  it("a guarded DELETE waits for a person; approved, the exact retry goes out once; audited at each step", async () => {
    const agent = await egressAgent({ trustLevel: 2, rules: [{ host: "api.upstream.example" }] });
    const t = tok();
    const url = `${API}/echo/${t}?token=s3cr3t`;
    const first = await egress(agent.token, url, { method: "DELETE" });
    expect(first.status).toBe(403);
    expect(first.body.error).toMatchObject({
      code: "approval_pending",
      details: {
        reason: "approval_pending",
        approvalId: expect.stringMatching(/^apr_/),
        status: "pending",
        statusUrl: expect.stringMatching(/^\/v1\/agent\/approvals\/apr_/),
        trigger: { source: "guardrail", findings: [expect.objectContaining({ ruleId: "http.delete" })] },
      },
    });
    const id = first.body.error.details.approvalId as string;
    // Asking again before anyone decided returns the same approval, not a second one.
    expect((await egress(agent.token, url, { method: "DELETE" })).body.error.details.approvalId).toBe(id);
    expect(await upstreamSaw(t)).toEqual([]);

    // Still pending: the retry with the id is refused as pending.
    expectErrorCode(await egress(agent.token, url, { method: "DELETE", approval: id }), 403, "approval_pending");

    const inbox = await call(`${approvals(agent.tenantId)}?status=pending`, { cookie: agent.owner.cookie });
    expect(inbox.status).toBe(200);
    expect(inbox.body.data).toEqual([
      expect.objectContaining({
        id,
        kind: "egress_call",
        agentId: agent.agentId,
        status: "pending",
        summary: expect.stringContaining("DELETE https://api.upstream.example/echo/"),
        subject: expect.objectContaining({ method: "DELETE", url: expect.stringContaining("token=***"), digest: expect.any(String) }),
      }),
    ]);
    expect(JSON.stringify(inbox.body)).not.toContain("s3cr3t");

    const approved = await call(`${approvals(agent.tenantId)}/${id}/approve`, {
      body: { reason: "cleanup ticket 42" },
      cookie: agent.owner.cookie,
    });
    expect(approved.status).toBe(200);
    expect(approved.body.approval).toMatchObject({ status: "approved", decidedBy: agent.owner.id, reason: "cleanup ticket 42" });

    // A different call (another method or body) cannot ride on the approval.
    expectErrorCode(await egress(agent.token, url, { method: "DELETE", body: "{}", approval: id }), 409, "approval_not_usable");
    const retried = await egress(agent.token, url, { method: "DELETE", approval: id });
    expect(retried.status).toBe(200);
    expect(await upstreamSaw(t)).toHaveLength(1);
    // The approval header itself never leaves.
    expect(Object.keys((await upstreamSaw(t))[0]!.headers)).not.toContain("x-switchboard-approval");
    // Exactly once.
    const again = await egress(agent.token, url, { method: "DELETE", approval: id });
    expectErrorCode(again, 409, "approval_not_usable");
    expect(await upstreamSaw(t)).toHaveLength(1);

    const agentRead = await call(`/v1/agent/approvals/${id}`, { headers: { authorization: `Bearer ${agent.token}` } });
    expect(agentRead.status).toBe(200);
    expect(agentRead.body.approval).toMatchObject({ id, status: "executed", executedAt: expect.any(String) });

    expect(await approvalEvents(agent.tenantId)).toEqual([
      expect.objectContaining({ action: "approval.requested", actor: "agent", actorId: agent.agentId, target: id }),
      expect.objectContaining({
        action: "approval.approved",
        actor: "user",
        actorId: agent.owner.id,
        details: expect.objectContaining({ reason: "cleanup ticket 42" }),
      }),
      expect.objectContaining({
        action: "approval.executed",
        actor: "agent",
        details: expect.objectContaining({ callId: expect.any(String) }),
      }),
    ]);
  });

  it("trust level 1: a POST (a write) needs approval; denied, the retry is refused with the reason", async () => {
    const agent = await egressAgent({ trustLevel: 1, rules: [{ host: "api.upstream.example" }] });
    const t = tok();
    const url = `${API}/echo/${t}`;
    const body = JSON.stringify({ title: "hello", apiKey: "sk_live_abcdefghijklmnop" });
    const first = await egress(agent.token, url, { method: "POST", body });
    expect(first.status).toBe(403);
    expect(first.body.error.details).toMatchObject({ reason: "approval_pending", trigger: { source: "trust_level" } });
    const id = first.body.error.details.approvalId;
    const got = await call(`${approvals(agent.tenantId)}/${id}`, { cookie: agent.owner.cookie });
    expect(got.body.approval.subject.preview).toContain('"title":"hello"');
    expect(got.body.approval.subject.preview).not.toContain("sk_live_abcdefghijklmnop");
    // Reads still go out without anyone.
    expect((await egress(agent.token, url, { method: "GET" })).status).toBe(200);

    const denied = await call(`${approvals(agent.tenantId)}/${id}/deny`, { body: { reason: "not today" }, cookie: agent.owner.cookie });
    expect(denied.body.approval).toMatchObject({ status: "denied", reason: "not today" });
    const retry = await egress(agent.token, url, { method: "POST", body, approval: id });
    expectErrorCode(retry, 403, "approval_denied");
    expect(retry.body.error.details).toMatchObject({ approvalId: id, reason: "approval_denied", decisionReason: "not today" });
    expect((await upstreamSaw(t)).filter((r) => r.method === "POST")).toEqual([]);
  });

  it("expires by the desk's alarm (pending and approved-but-unused), surviving eviction", async () => {
    const agent = await egressAgent({ trustLevel: 2, rules: [{ host: "api.upstream.example" }] });
    const t = tok();
    const a = (await egress(agent.token, `${API}/echo/${t}/a`, { method: "DELETE" })).body.error.details.approvalId;
    const b = (await egress(agent.token, `${API}/echo/${t}/b`, { method: "DELETE" })).body.error.details.approvalId;
    await call(`${approvals(agent.tenantId)}/${b}/approve`, { method: "POST", cookie: agent.owner.cookie });
    await evictDurableObject(desk(agent.tenantId));
    await timePasses(agent.tenantId);
    const list = await call(approvals(agent.tenantId), { cookie: agent.owner.cookie });
    expect(Object.fromEntries(list.body.data.map((x: any) => [x.id, x.status]))).toEqual({ [a]: "expired", [b]: "expired" });
    expectErrorCode(await egress(agent.token, `${API}/echo/${t}/b`, { method: "DELETE", approval: b }), 403, "approval_expired");
    expectError(await call(`${approvals(agent.tenantId)}/${a}/approve`, { method: "POST", cookie: agent.owner.cookie }), 409, "conflict");
    expect((await approvalEvents(agent.tenantId)).filter((e) => e.action === "approval.expired")).toHaveLength(2);
    expect(await upstreamSaw(t)).toEqual([]);
  });
});

function expectErrorCode(res: { status: number; body: any }, status: number, code: string) {
  if (res.status !== status || res.body?.error?.code !== code)
    throw new Error(`expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body)}`);
}

describe("approvals API", () => {
  it("roles: viewers and members read, admins and owners decide; a key needs approvals:decide; double decide 409", async () => {
    const agent = await egressAgent({ trustLevel: 2, rules: [{ host: "api.upstream.example" }] });
    const [admin, member, viewer] = [
      await addMember(agent.tenantId, "admin"),
      await addMember(agent.tenantId, "member"),
      await addMember(agent.tenantId, "viewer"),
    ];
    const id = (await egress(agent.token, `${API}/echo/${tok()}`, { method: "DELETE" })).body.error.details.approvalId;
    expect((await call(approvals(agent.tenantId), { cookie: viewer.cookie })).status).toBe(200);
    expect((await call(`${approvals(agent.tenantId)}/${id}`, { cookie: member.cookie })).status).toBe(200);
    expectError(await call(`${approvals(agent.tenantId)}/${id}/approve`, { body: {}, cookie: viewer.cookie }), 403, "forbidden");
    expectError(await call(`${approvals(agent.tenantId)}/${id}/deny`, { body: {}, cookie: member.cookie }), 403, "forbidden");
    const key = await call(`/v1/tenants/${agent.tenantId}/api-keys`, {
      body: { name: "ci", scopes: ["approvals:read", "approvals:decide"] },
      cookie: agent.owner.cookie,
    });
    expect(key.status).toBe(201);
    // A key without the scope may read, never decide.
    const reader = await call(`/v1/tenants/${agent.tenantId}/api-keys`, {
      body: { name: "ro", scopes: ["approvals:read"] },
      cookie: agent.owner.cookie,
    });
    expect((await call(approvals(agent.tenantId), { apiKey: reader.body.key })).status).toBe(200);
    expectError(await call(`${approvals(agent.tenantId)}/${id}/approve`, { body: {}, apiKey: reader.body.key }), 403, "forbidden");
    expectError(
      await call(`${approvals(agent.tenantId)}/${id}/deny`, { body: { reason: 5 }, cookie: admin.cookie }),
      400,
      "validation_failed",
    );
    const ok = await call(`${approvals(agent.tenantId)}/${id}/deny`, { method: "POST", cookie: admin.cookie });
    expect(ok.status).toBe(200);
    expect(ok.body.approval).toMatchObject({ status: "denied", decidedBy: admin.id, reason: null });
    // A key an admin gave approvals:decide on purpose decides (here: too late, 409), recorded as the key.
    expectError(await call(`${approvals(agent.tenantId)}/${id}/approve`, { body: {}, apiKey: key.body.key }), 409, "conflict");
    const twice = await call(`${approvals(agent.tenantId)}/${id}/approve`, { body: {}, cookie: agent.owner.cookie });
    expectError(twice, 409, "conflict");
    expect(twice.body.error.details).toEqual({ status: "denied" });
    expectError(await call(`${approvals(agent.tenantId)}/apr_nope/approve`, { body: {}, cookie: admin.cookie }), 404, "not_found");
  });

  it("cross-tenant: another tenant's owner, and another agent, get 404", async () => {
    const agent = await egressAgent({ trustLevel: 2, rules: [{ host: "api.upstream.example" }] });
    const id = (await egress(agent.token, `${API}/echo/${tok()}`, { method: "DELETE" })).body.error.details.approvalId;
    const stranger = await signup("stranger");
    const otherTenant = await createTenant(stranger, "Other");
    expectError(await call(`${approvals(otherTenant)}/${id}`, { cookie: stranger.cookie }), 404, "not_found");
    expectError(await call(`${approvals(otherTenant)}/${id}/approve`, { body: {}, cookie: stranger.cookie }), 404, "not_found");
    expect((await call(approvals(otherTenant), { cookie: stranger.cookie })).body.data).toEqual([]);
    expectError(await call(`${approvals(agent.tenantId)}/${id}`, { cookie: stranger.cookie }), 404, "not_found");
    const other = await egressAgent({
      trustLevel: 2,
      owner: agent.owner,
      tenantId: agent.tenantId,
      rules: [{ host: "api.upstream.example" }],
    });
    expectError(await call(`/v1/agent/approvals/${id}`, { headers: { authorization: `Bearer ${other.token}` } }), 404, "not_found");
    // Another agent cannot use it either, even once approved.
    await call(`${approvals(agent.tenantId)}/${id}/approve`, { body: {}, cookie: agent.owner.cookie });
    expectErrorCode(await egress(other.token, `${API}/echo/x`, { method: "DELETE", approval: id }), 409, "approval_not_usable");
    expectError(await call(`/v1/agent/approvals/${id}`, {}), 401, "unauthenticated");
  });

  it("expirePendingApprovals (safe mode) ends every open approval with its reason, audited as the actor", async () => {
    const agent = await egressAgent({ trustLevel: 2, rules: [{ host: "api.upstream.example" }] });
    const a = (await egress(agent.token, `${API}/echo/${tok()}`, { method: "DELETE" })).body.error.details.approvalId;
    const b = (await egress(agent.token, `${API}/echo/${tok()}`, { method: "DELETE" })).body.error.details.approvalId;
    await call(`${approvals(agent.tenantId)}/${b}/deny`, { body: {}, cookie: agent.owner.cookie });
    const n = await expirePendingApprovals(env, agent.tenantId, {
      reason: "safe mode: incident 7",
      actor: { type: "user", id: agent.owner.id, name: null },
    });
    expect(n).toBe(1);
    const got = (await call(`${approvals(agent.tenantId)}/${a}`, { cookie: agent.owner.cookie })).body.approval;
    expect(got).toMatchObject({ status: "expired", reason: "safe mode: incident 7" });
    expect((await call(`${approvals(agent.tenantId)}/${b}`, { cookie: agent.owner.cookie })).body.approval.status).toBe("denied");
    expect(await expirePendingApprovals(env, agent.tenantId, { reason: "again" })).toBe(0);
    expect((await approvalEvents(agent.tenantId)).find((e) => e.action === "approval.expired")).toMatchObject({
      actor: "user",
      actorId: agent.owner.id,
      details: expect.objectContaining({ reason: "safe mode: incident 7" }),
    });
  });
});
