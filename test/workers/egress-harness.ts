/**
 * Egress tests: a tenant and an agent set up through the API (rules, mode, trust), an egress
 * agent token from the real exchange, and calls into the real egress Worker handler
 * (workers/egress/src/index.ts) with the test's real env — D1, the EgressGate Durable Objects and
 * the audit ledger — while its fetches go to test/workers/fake-egress-upstream.ts.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import egressWorker from "../../workers/egress/src/index";
import type { EgressEnv } from "../../workers/egress/src/env";
import { call, createTenant, signup, type TestUser } from "./harness";
import { chainEntries } from "./audit-view";

export const EGRESS_BASE = "https://egress.switchboard.test";

export interface EgressAgent {
  tenantId: string;
  agentId: string;
  owner: TestUser;
  secret: string;
  token: string;
}

export interface AgentSetup {
  trustLevel?: number;
  mode?: "mock" | "live";
  rules?: Array<Record<string, unknown>>;
  owner?: TestUser;
  tenantId?: string;
}

export async function egressAgent(setup: AgentSetup = {}): Promise<EgressAgent> {
  const owner = setup.owner ?? (await signup("egress-owner"));
  const tenantId = setup.tenantId ?? (await createTenant(owner, "Egress tenant"));
  const created = await call(`/v1/tenants/${tenantId}/agents`, {
    body: { name: `agent-${crypto.randomUUID().slice(0, 8)}`, template: "engineering", trustLevel: setup.trustLevel ?? 2 },
    cookie: owner.cookie,
  });
  if (created.status !== 201) throw new Error(`agent: ${created.status} ${JSON.stringify(created.body)}`);
  const agentId = created.body.agent.id as string;
  for (const rule of setup.rules ?? []) {
    const res = await call(`/v1/tenants/${tenantId}/agents/${agentId}/egress/rules`, { body: rule, cookie: owner.cookie });
    if (res.status !== 201) throw new Error(`rule: ${res.status} ${JSON.stringify(res.body)}`);
  }
  if ((setup.mode ?? "live") === "live") {
    const res = await call(`/v1/tenants/${tenantId}/agents/${agentId}/egress/mode`, {
      method: "PUT",
      body: { mode: "live" },
      cookie: owner.cookie,
    });
    if (res.status !== 200) throw new Error(`mode: ${res.status} ${JSON.stringify(res.body)}`);
  }
  const token = await egressToken(agentId, created.body.secret);
  return { tenantId, agentId, owner, secret: created.body.secret, token };
}

export async function egressToken(agentId: string, secret: string): Promise<string> {
  const res = await call("/v1/agent-tokens", { body: { agentId, secret, audience: "egress" } });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.access_token;
}

export const egressEnv = env as unknown as EgressEnv;

/** One request to the egress Worker; waits for its background work (the gate's release). */
export async function egressRequest(
  path: string,
  init: RequestInit & { token?: string } = {},
  workerEnv: EgressEnv = egressEnv,
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  const ctx = createExecutionContext();
  const res = await egressWorker.fetch(new Request(`${EGRESS_BASE}${path}`, { ...init, headers }), workerEnv, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** The JSON envelope: POST /v1/fetch. */
export async function envelope(token: string, body: Record<string, unknown>): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await egressRequest("/v1/fetch", {
    method: "POST",
    token,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** What the fake internet actually received for URLs containing `token`. */
export async function upstreamSaw(
  token: string,
): Promise<Array<{ method: string; url: string; host: string; headers: Record<string, string>; body: string }>> {
  return (await fetch(`https://log.upstream.example/requests?token=${encodeURIComponent(token)}`)).json();
}

/** Flushes the agent's gate (its alarm) so its staged audit events are in the tenant's chain. */
export async function flushGate(agentId: string): Promise<void> {
  const { runDurableObjectAlarm } = await import("cloudflare:test");
  const stub = env.EGRESS_GATE.get(env.EGRESS_GATE.idFromName(agentId));
  await runDurableObjectAlarm(stub);
}

export async function egressEvents(
  tenantId: string,
  agentId: string,
): Promise<Array<{ action: string; outcome: string; details: Record<string, any>; target_id: string | null }>> {
  // Read through the tenant's ledger (the audit trail's only home), in seq order.
  return (await chainEntries(tenantId))
    .filter((e) => e.actor.id === agentId && (e.action.startsWith("egress.") || e.action === "secret.used"))
    .map((e) => ({ action: e.action, outcome: e.outcome, details: e.details as Record<string, any>, target_id: e.target?.id ?? null }));
}
