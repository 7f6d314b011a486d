/**
 * The API's side of the egress proxy: tell agents' EgressGates that something they compiled has
 * changed, and turn rule rows into the API's shape. Gates also reload on their own after
 * STATE_TTL_MS (60 s), so a failed push heals; but suspension, deletion and rule removal must
 * take effect on the next call, so every change awaits its push.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../../../shared/db/client";
import { agents, type EgressRuleRow } from "../../../shared/db/schema";
import type { EgressRuleSchema } from "../../../shared/schemas/egress";
import { toIso } from "../../../shared/schemas/common";
import type { z } from "zod";

export async function invalidateEgressGates(env: Pick<Env, "EGRESS_GATE">, agentIds: readonly string[]): Promise<void> {
  await Promise.all([...new Set(agentIds)].map((id) => env.EGRESS_GATE.get(env.EGRESS_GATE.idFromName(id)).invalidate()));
}

/** Every live agent of the tenant (tenant deny rules, skill registry changes, vault changes). */
export async function invalidateTenantEgress(env: Pick<Env, "EGRESS_GATE">, db: Database, tenantId: string): Promise<void> {
  const rows = await db
    .select({ id: agents.id })
    .from(agents)
    .where(and(eq(agents.tenantId, tenantId), isNull(agents.deletedAt)))
    .all();
  await invalidateEgressGates(
    env,
    rows.map((r) => r.id),
  );
}

export function toEgressRule(row: EgressRuleRow): z.infer<typeof EgressRuleSchema> {
  return {
    id: row.id,
    agentId: row.agentId,
    effect: row.effect,
    host: row.host,
    methods: row.methods,
    pathPrefix: row.pathPrefix,
    schemes: row.schemes,
    description: row.description,
    createdBy: row.createdBy,
    createdAt: toIso(row.createdAt),
  };
}

/** The hosts the API itself answers on (and the dashboard's, via ALLOWED_ORIGINS): never egress destinations, also in "test a URL". */
export function apiPlatformHosts(requestUrl: string, allowedOrigins: string | undefined): string[] {
  const hosts = new Set([new URL(requestUrl).hostname]);
  for (const origin of (allowedOrigins ?? "").split(",")) {
    try {
      hosts.add(new URL(origin.trim()).hostname);
    } catch {
      // not an origin: ignore
    }
  }
  return [...hosts];
}
