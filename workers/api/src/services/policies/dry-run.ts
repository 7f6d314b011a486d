/**
 * The dry-run: the tenant's latest audit events (audit-query.ts `listEntries`, the product's read
 * path) replayed through a draft policy set in the policy Worker, reporting each decision that
 * would change (workers/shared/policy/replay.ts says which can). The principal is the agent as it
 * is now (trust level, teams): the trail does not record those, and it is what the draft would see.
 */
import { inArray } from "drizzle-orm";
import type { LedgerEntry } from "../../../../shared/audit/chain";
import type { Database } from "../../../../shared/db/client";
import { agents, teamAgents } from "../../../../shared/db/schema";
import { recordedDecision } from "../../../../shared/policy/replay";
import type { PolicyRequest } from "../../../../shared/policy/request";
import { policyBinding } from "../../../../shared/policy/tenant-policy";
import { toIso } from "../../../../shared/schemas/common";
import type { PolicyDryRun } from "../../../../shared/schemas/policies";
import { ApiError } from "../../http/api-error";
import { listEntries } from "../audit-query";

const PAGE = 100;

export async function dryRun(env: Env, db: Database, tenantId: string, text: string, events: number): Promise<PolicyDryRun> {
  const entries: LedgerEntry[] = [];
  let before: number | undefined;
  while (entries.length < events) {
    const page = await listEntries(env, tenantId, { limit: Math.min(PAGE, events - entries.length) }, before);
    const take = page.slice(0, Math.min(PAGE, events - entries.length));
    entries.push(...take);
    if (page.length <= take.length || take.length === 0) break;
    before = take[take.length - 1]!.seq;
  }
  const recorded = entries.map(recordedDecision).filter((r) => r !== null);
  const agentIds = [...new Set(recorded.map((r) => r.agentId))];
  const [agentRows, teamRows] = agentIds.length
    ? await db.batch([
        db.select({ id: agents.id, trustLevel: agents.trustLevel }).from(agents).where(inArray(agents.id, agentIds)),
        db.select({ agentId: teamAgents.agentId, teamId: teamAgents.teamId }).from(teamAgents).where(inArray(teamAgents.agentId, agentIds)),
      ])
    : [[], []];
  const trust = new Map(agentRows.map((a) => [a.id, a.trustLevel]));
  const teams = new Map<string, string[]>();
  for (const t of teamRows) teams.set(t.agentId, [...(teams.get(t.agentId) ?? []), t.teamId]);

  // Native denials cannot change: only the rest go to Cedar.
  const candidates = recorded.filter((r) => r.recorded === "allow" || r.deniedByCedar);
  const requests: PolicyRequest[] = candidates.map((r) => ({
    ...r.question,
    principal: { agentId: r.agentId, trustLevel: trust.get(r.agentId) ?? 0, teams: teams.get(r.agentId) ?? [] },
  }));
  const binding = policyBinding(env);
  if (!binding) throw new ApiError("unavailable", "The policy service is not bound (POLICY).");
  const answer = await binding.dryRun(text, requests);
  if (!answer.ok) throw new ApiError("policy_invalid", "The draft policy set is not valid.", { errors: answer.errors });

  const changed: PolicyDryRun["changed"] = [];
  candidates.forEach((r, i) => {
    const draft = answer.decisions[i]!;
    if (draft.decision === r.recorded) return;
    changed.push({
      seq: r.seq,
      at: toIso(r.at),
      auditAction: r.auditAction,
      agentId: r.agentId,
      summary: r.summary,
      from: r.recorded,
      to: draft.decision,
      policies: draft.reasons,
    });
  });
  return {
    eventsRead: entries.length,
    replayed: recorded.length,
    unchanged: recorded.length - changed.length,
    nativeDenied: recorded.length - candidates.length,
    changed,
    allowToDeny: changed.filter((c) => c.to === "deny").length,
    denyToAllow: changed.filter((c) => c.to === "allow").length,
  };
}
