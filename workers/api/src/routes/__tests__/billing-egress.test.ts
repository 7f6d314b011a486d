/**
 * Billing and the egress proxy (docs/billing.md): the calls an agent makes are counted by the
 * tenant's UsageMeter from the EgressGate's flushed day totals (a repeated flush counts nothing
 * twice), and a hard budget on egress calls makes the proxy refuse with 402 `budget_exceeded`.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { usageMeterFor } from "../../../../shared/billing/usage";
import { call } from "../../../../../test/workers/harness";
import { egressAgent, envelope, flushGate } from "../../../../../test/workers/egress-harness";

const API = "https://api.upstream.example";

describe("egress calls are metered and budgeted", () => {
  it("counts the allowed calls once per flush window, however often the gate flushes", async () => {
    const agent = await egressAgent({ rules: [{ host: "api.upstream.example" }] });
    for (let i = 0; i < 3; i++) expect((await envelope(agent.token, { url: `${API}/echo/${crypto.randomUUID()}` })).status).toBe(200);
    await flushGate(agent.agentId);
    await flushGate(agent.agentId);
    const summary = await usageMeterFor(env, agent.tenantId).summary(agent.tenantId);
    expect(summary.totals.egress_calls).toBe(3);
    expect(summary.byAgent).toContainEqual({ agentId: agent.agentId, kind: "egress_calls", used: 3 });
  });

  it("a hard budget on the agent's egress calls refuses the next call with 402 budget_exceeded", async () => {
    const agent = await egressAgent({ rules: [{ host: "api.upstream.example" }] });
    const budget = await call(`/v1/tenants/${agent.tenantId}/budgets`, {
      body: { agentId: agent.agentId, metric: "egress_calls", hardLimit: 0 },
      cookie: agent.owner.cookie,
    });
    expect(budget.status).toBe(201);
    const res = await envelope(agent.token, { url: `${API}/echo/${crypto.randomUUID()}` });
    expect(res.status).toBe(402);
    expect(res.body.error).toMatchObject({ code: "budget_exceeded", details: { reason: "budget_exceeded" } });
    expect(res.headers.get("x-switchboard-egress")).toBe("denied");
  });
});
