/** Reading agents' reputation rows (written by the statement that ends a run: workers/shared/runs/ledger.ts). */
import { and, eq, inArray } from "drizzle-orm";
import { createDb } from "../../../../shared/db/client";
import { agentReputation } from "../../../../shared/db/schema";
import { reputationOf, type Reputation } from "../../../../shared/runs/reputation";

export async function reputationsOf(env: Env, tenantId: string, agentIds: readonly string[]): Promise<Map<string, Reputation>> {
  const out = new Map<string, Reputation>();
  if (agentIds.length === 0) return out;
  const rows = [];
  // D1 caps bound parameters per statement (100): read in chunks.
  for (let i = 0; i < agentIds.length; i += 90) {
    rows.push(
      ...(await createDb(env.DB)
        .select()
        .from(agentReputation)
        .where(and(eq(agentReputation.tenantId, tenantId), inArray(agentReputation.agentId, agentIds.slice(i, i + 90))))
        .all()),
    );
  }
  const byId = new Map(rows.map((r) => [r.agentId, r]));
  for (const id of agentIds) out.set(id, reputationOf(byId.get(id) ?? null));
  return out;
}

export async function reputationOfAgent(env: Env, tenantId: string, agentId: string): Promise<Reputation> {
  return (await reputationsOf(env, tenantId, [agentId])).get(agentId)!;
}

/** Discovery (`GET /v1/agent/agents`, MCP `list_agents`): each agent with its reputation. */
export async function withReputation<T extends { agentId: string }>(
  env: Env,
  tenantId: string,
  list: T[],
): Promise<Array<T & { reputation: Reputation }>> {
  const reps = await reputationsOf(
    env,
    tenantId,
    list.map((a) => a.agentId),
  );
  return list.map((a) => ({ ...a, reputation: reps.get(a.agentId)! }));
}
