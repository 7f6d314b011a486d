/**
 * Guardrails on egress, end to end in workerd (real egress Worker, EgressGate, D1, ledger; the
 * fake internet records what arrived): the call's method, URL and body are judged under the
 * tenant's guardrail policy and the agent's trust level; a refused call never reaches upstream.
 */
import { describe, expect, it } from "vitest";
import { call, createTenant, signup } from "../../../test/workers/harness";
import { chainEntries } from "../../../test/workers/audit-view";
import { egressAgent, envelope, flushGate, upstreamSaw } from "../../../test/workers/egress-harness";

const API = "https://api.upstream.example";
const tok = () => crypto.randomUUID();

async function guardrailEvents(tenantId: string, agentId: string) {
  await flushGate(agentId);
  return (await chainEntries(tenantId))
    .filter((e) => e.actor.id === agentId && e.action === "guardrail.checked")
    .map((e) => ({ outcome: e.outcome, details: e.details }));
}

describe("egress guardrails", () => {
  it("a DELETE at trust level 2 needs approval (an approval is opened, the call waits); nothing reaches upstream", async () => {
    const agent = await egressAgent({ trustLevel: 2, rules: [{ host: "api.upstream.example" }] });
    const t = tok();
    const res = await envelope(agent.token, { url: `${API}/echo/${t}`, method: "DELETE" });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({
      code: "approval_pending",
      details: {
        reason: "approval_pending",
        approvalId: expect.stringMatching(/^apr_/),
        findings: [expect.objectContaining({ ruleId: "http.delete", action: "require_approval" })],
      },
    });
    expect(await upstreamSaw(t)).toEqual([]);
    expect(await guardrailEvents(agent.tenantId, agent.agentId)).toEqual([
      expect.objectContaining({
        outcome: "denied",
        details: expect.objectContaining({ decision: "require_approval", via: "egress", method: "DELETE", host: "api.upstream.example" }),
      }),
    ]);
  });

  it("blocks a body that a receiver would execute, and lets data that merely mentions a command through", async () => {
    const agent = await egressAgent({ trustLevel: 4, rules: [{ host: "api.upstream.example" }] });
    const t = tok();
    const blocked = await envelope(agent.token, {
      url: `${API}/echo/${t}`,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ command: "sudo bash -c 'rm -rf /'" }),
    });
    expect(blocked.status).toBe(403);
    expect(blocked.body.error).toMatchObject({
      code: "egress_denied",
      details: { reason: "guardrail_blocked", findings: [expect.objectContaining({ ruleId: "fs.rm_root" })] },
    });
    expect(await upstreamSaw(t)).toEqual([]);
    const data = await envelope(agent.token, {
      url: `${API}/echo/${t}`,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "never run rm -rf / on prod" }),
    });
    expect(data.status).toBe(200);
    expect(await upstreamSaw(t)).toHaveLength(1);
  });

  it("at trust level 3 a DELETE goes out and is logged", async () => {
    const agent = await egressAgent({ trustLevel: 3, rules: [{ host: "api.upstream.example" }] });
    const t = tok();
    expect((await envelope(agent.token, { url: `${API}/echo/${t}`, method: "DELETE" })).status).toBe(200);
    expect(await upstreamSaw(t)).toHaveLength(1);
    expect(await guardrailEvents(agent.tenantId, agent.agentId)).toEqual([
      expect.objectContaining({ outcome: "success", details: expect.objectContaining({ decision: "log", trustAdjusted: true }) }),
    ]);
  });

  it("follows the tenant's policy: a pack set to block blocks at every trust level", async () => {
    const owner = await signup("guard-owner");
    const tenantId = await createTenant(owner, "Guarded tenant");
    const set = await call(`/v1/tenants/${tenantId}`, {
      method: "PATCH",
      body: {
        config: { guardrails: { severities: { critical: "block", high: "require_approval", medium: "log" }, packs: { http: "block" } } },
      },
      cookie: owner.cookie,
    });
    expect(set.status).toBe(200);
    const agent = await egressAgent({ owner, tenantId, trustLevel: 4, rules: [{ host: "api.upstream.example" }] });
    const res = await envelope(agent.token, { url: `${API}/echo/${tok()}`, method: "DELETE" });
    expect(res.status).toBe(403);
    expect(res.body.error.details.reason).toBe("guardrail_blocked");
    // A read is not touched by it.
    expect((await envelope(agent.token, { url: `${API}/echo/${tok()}` })).status).toBe(200);
  });
});
