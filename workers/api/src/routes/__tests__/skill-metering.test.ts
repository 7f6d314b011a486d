/**
 * Skill invocations are metered (docs/billing.md, kind `skill_invocations`): one unit per execution
 * whose code ran — success or failure — keyed by the invocation id, so recording the same
 * invocation again (the hook's retry) counts nothing; a call refused before its code runs counts
 * nothing; over a hard budget the call is refused with 402 `budget_exceeded` and its code does not
 * run. Real UsageMeter Durable Object, real Dynamic Worker.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { usageMeterFor } from "../../../../shared/billing/usage";
import { call, expectError } from "../../../../../test/workers/harness";
import { egressAgent, flushGate, upstreamSaw, type EgressAgent } from "../../../../../test/workers/egress-harness";
import { auditResults } from "../../../../../test/workers/audit-view";
import { recordSkillUsage } from "../../skill-runtime/hooks";

const anyObject = { type: "object" };

const SOURCE = `export async function run(input) {
  if (input.fail) throw new Error("asked to fail");
  if (input.tag) await fetch("https://api.upstream.example/echo/" + input.tag);
  return { ok: true };
}`;

async function installMeteredSkill(agent: EgressAgent) {
  const base = `/v1/tenants/${agent.tenantId}`;
  const published = await call(`${base}/skills`, {
    cookie: agent.owner.cookie,
    body: {
      manifest: {
        name: "metered",
        version: "1.0.0",
        title: "Metered",
        description: "Counts.",
        network: [{ host: "api.upstream.example", methods: ["GET"] }],
        env: [],
        files: [],
        handler: { entry: "index.js", runtime: "workers" },
      },
      modules: { "index.js": SOURCE },
      tools: [
        {
          name: "run",
          description: "Runs.",
          inputSchema: { type: "object", properties: { fail: { type: "boolean" }, tag: { type: "string" } }, additionalProperties: false },
          outputSchema: anyObject,
        },
      ],
    },
  });
  expect(published.status, JSON.stringify(published.body)).toBe(201);
  const installed = await call(`${base}/agents/${agent.agentId}/skills/metered`, {
    method: "PUT",
    body: { mode: "live" },
    cookie: agent.owner.cookie,
  });
  expect(installed.status, JSON.stringify(installed.body)).toBe(200);
  const token = await call("/v1/agent-tokens", { body: { agentId: agent.agentId, secret: agent.secret, audience: "relay" } });
  return (input: unknown) =>
    call("/v1/agent/skills/metered/tools/run", { body: { input }, headers: { authorization: `Bearer ${token.body.access_token}` } });
}

async function used(agent: EgressAgent) {
  const summary = await usageMeterFor(env, agent.tenantId).summary(agent.tenantId);
  return {
    tenant: summary.totals.skill_invocations,
    agent: summary.byAgent.find((r) => r.agentId === agent.agentId && r.kind === "skill_invocations")?.used ?? 0,
  };
}

describe("skill invocation metering", () => {
  it("one invocation is one unit (for the tenant and the agent); a failed execution counts; a refused call does not", async () => {
    const agent = await egressAgent();
    const invoke = await installMeteredSkill(agent);
    expect(await used(agent)).toEqual({ tenant: 0, agent: 0 });

    const ok = await invoke({});
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(await used(agent)).toEqual({ tenant: 1, agent: 1 });

    // The code ran and threw: the isolate did the work, so it counts.
    expectError(await invoke({ fail: true }), 502, "skill_failed");
    expect(await used(agent)).toEqual({ tenant: 2, agent: 2 });

    // Refused before the code runs (input against the schema; an unknown tool): nothing counted.
    expectError(await invoke({ nope: 1 }), 400, "validation_failed");
    expect((await used(agent)).tenant).toBe(2);
  });

  it("recording an invocation id again (a retry) is not counted twice", async () => {
    const agent = await egressAgent();
    const invoke = await installMeteredSkill(agent);
    const ok = await invoke({});
    expect(ok.status).toBe(200);
    const invocationId = ok.body.invocation.id as string;
    // The audit event carries the same id the meter was keyed by.
    await flushGate(agent.agentId);
    const audited = await auditResults<{ details: string }>(
      "SELECT details FROM audit_events WHERE tenant_id = ? AND action = 'skill.invoked'",
      agent.tenantId,
    );
    expect(audited.results.map((r) => JSON.parse(r.details).invocationId)).toEqual([invocationId]);

    const usage = {
      invocationId,
      tenantId: agent.tenantId,
      agentId: agent.agentId,
      skill: "metered",
      version: "1.0.0",
      tool: "run",
      runId: null,
      at: Date.now(),
    };
    const later: Array<Promise<unknown>> = [];
    await recordSkillUsage(env, usage, (p) => later.push(p));
    await recordSkillUsage(env, usage, (p) => later.push(p));
    await Promise.all(later);
    expect(await used(agent)).toEqual({ tenant: 1, agent: 1 });
    // A different invocation is a new unit.
    await recordSkillUsage(env, { ...usage, invocationId: `${invocationId}x` }, (p) => later.push(p));
    expect(await used(agent)).toEqual({ tenant: 2, agent: 2 });
  });

  it("over a hard budget on skill invocations: 402 budget_exceeded, the code does not run, nothing more is counted", async () => {
    const agent = await egressAgent();
    const invoke = await installMeteredSkill(agent);
    const budget = await call(`/v1/tenants/${agent.tenantId}/budgets`, {
      cookie: agent.owner.cookie,
      body: { agentId: agent.agentId, metric: "skill_invocations", hardLimit: 1 },
    });
    expect(budget.status, JSON.stringify(budget.body)).toBe(201);

    const first = await invoke({ tag: crypto.randomUUID() });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const tag = crypto.randomUUID();
    const refused = await invoke({ tag });
    expectError(refused, 402, "budget_exceeded");
    expect(refused.body.error.details).toMatchObject({
      kind: "skill_invocations",
      agentId: agent.agentId,
      limits: [{ source: "budget", scope: "agent", hard: 1, used: 1, state: "hard_exceeded" }],
    });
    expect(await upstreamSaw(tag)).toEqual([]);
    expect(await used(agent)).toEqual({ tenant: 1, agent: 1 });

    // Raised: it runs again.
    const raised = await call(`/v1/tenants/${agent.tenantId}/budgets/${budget.body.budget.id}`, {
      method: "PATCH",
      body: { hardLimit: 5 },
      cookie: agent.owner.cookie,
    });
    expect(raised.status).toBe(200);
    expect((await invoke({})).status).toBe(200);
    expect(await used(agent)).toEqual({ tenant: 2, agent: 2 });
  });
});
