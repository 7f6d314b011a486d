/**
 * Declarative teams over the API: read a team's current state, diff it against a YAML document
 * (workers/shared/coordination/team-yaml.ts) and carry the changes out with the same effects as
 * the individual routes — plan limits on new agents, relays told about role/trust changes and
 * removed members, the allowlist replaced at the version read, coordination settings — and audit
 * each. Not one transaction (D1, the relay and the coordinator are three stores): a failure part
 * way leaves what was applied applied, and applying the same document again finishes the rest,
 * because every step is "make it so" and a second apply of a fully applied document is a no-op.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Context } from "hono";
import { TEMPLATE_DEFAULTS } from "../../../shared/agent-templates";
import { newId } from "../../../shared/crypto/ids";
import { agents, teamAgents, teams, type AgentRow } from "../../../shared/db/schema";
import {
  diffTeam,
  resolveAllowlist,
  toTeamDocument,
  type TeamChange,
  type TeamDocument,
  type TeamState,
  type TenantAgents,
} from "../../../shared/coordination/team-yaml";
import type { TrustLevel } from "../../../shared/trust-levels";
import type { AppEnv } from "../env";
import { ApiError } from "../http/api-error";
import { audit } from "../http/audit";
import { invalidFields } from "../http/validation-hook";
import { newAgentSecret } from "./agent-secrets";
import { coordinatorOf, personCaller } from "./coordination";
import { insertWithinPlanLimit } from "./plan-limits";
import { evictAgentFromRelays, relayOf, updateAgentOnRelays } from "./relay";
import { linkAgentsToTeam } from "./team-links";
import { inProject } from "./projects";
import { defaultProjectId, projectIdOf } from "../../../shared/projects";

type Project = { id: string; isDefault: boolean };

type TeamRef = { teamId: string; tenantId: string; name: string; description: string };

export async function loadTeamState(c: Context<AppEnv>, team: TeamRef): Promise<TeamState> {
  const db = c.get("db");
  const [members, allowlist, settings] = await Promise.all([
    db
      .select({
        id: agents.id,
        name: agents.name,
        template: agents.template,
        trustLevel: agents.trustLevel,
        description: agents.description,
      })
      .from(teamAgents)
      .innerJoin(agents, eq(agents.id, teamAgents.agentId))
      .where(and(eq(teamAgents.teamId, team.teamId), isNull(agents.deletedAt)))
      .all(),
    relayOf(c.env, team.teamId).getAllowlist(team.teamId, team.tenantId),
    coordinatorOf(c.env, team.teamId).getSettings(team),
  ]);
  return { name: team.name, description: team.description, members, allowlist, settings };
}

/** The agents a team document may name: live agents of the team's project (a team holds agents of its own project only, docs/projects.md). */
async function tenantAgents(c: Context<AppEnv>, tenantId: string, project: Project): Promise<TenantAgents> {
  const rows = await c
    .get("db")
    .select({ id: agents.id, name: agents.name, template: agents.template, trustLevel: agents.trustLevel, description: agents.description })
    .from(agents)
    .where(and(eq(agents.tenantId, tenantId), isNull(agents.deletedAt), inProject(agents.projectId, project)))
    .all();
  const byName = new Map<string, (typeof rows)[number]>();
  const ambiguous = new Set<string>();
  for (const r of rows) {
    if (byName.has(r.name)) ambiguous.add(r.name);
    byName.set(r.name, r);
  }
  return { byName, ambiguous };
}

export interface ApplyOutcome {
  changes: TeamChange[];
  applied: boolean;
  createdAgents: Array<{ id: string; name: string; secret: string }>;
  /** The team as YAML after the apply (for a dry run: as it is now). */
  yaml: TeamDocument;
}

/** The team's project, as the project filters take it. */
async function teamProject(c: Context<AppEnv>, team: TeamRef): Promise<Project> {
  const row = await c
    .get("db")
    .select({ tenantId: teams.tenantId, projectId: teams.projectId })
    .from(teams)
    .where(eq(teams.id, team.teamId))
    .get();
  const id = projectIdOf(row ?? { tenantId: team.tenantId, projectId: null });
  return { id, isDefault: id === defaultProjectId(team.tenantId) };
}

export async function applyTeamDocument(c: Context<AppEnv>, team: TeamRef, doc: TeamDocument, dryRun: boolean): Promise<ApplyOutcome> {
  const state = await loadTeamState(c, team);
  const project = await teamProject(c, team);
  const tenant = await tenantAgents(c, team.tenantId, project);
  const diff = diffTeam(state, doc, tenant);
  if (!diff.ok) throw invalidFields(diff.issues);
  const { changes } = diff;
  if (dryRun || changes.length === 0) return { changes, applied: false, createdAgents: [], yaml: toTeamDocument(state) };

  const db = c.get("db");
  const now = Date.now();
  const ids = new Map([...tenant.byName].map(([name, a]) => [name, a.id]));
  const createdAgents: ApplyOutcome["createdAgents"] = [];

  const teamUpdates = changes.filter((ch): ch is Extract<TeamChange, { kind: "team.update" }> => ch.kind === "team.update");
  if (teamUpdates.length) {
    await db
      .update(teams)
      .set({ ...Object.fromEntries(teamUpdates.map((u) => [u.field, u.to])), updatedAt: now })
      .where(eq(teams.id, team.teamId))
      .run();
    await audit(c, {
      action: "team.updated",
      target: { type: "team", id: team.teamId },
      details: { changed: teamUpdates.map((u) => u.field), via: "yaml" },
    });
  }

  for (const ch of changes) {
    if (ch.kind !== "agent.create") continue;
    const { secret, secretHash, secretPrefix } = await newAgentSecret();
    const row: AgentRow = {
      id: newId("agent", now),
      tenantId: team.tenantId,
      name: ch.name,
      description: ch.description,
      template: ch.template,
      toolCategories: [...TEMPLATE_DEFAULTS[ch.template].tools],
      trustLevel: ch.trustLevel,
      status: "active",
      secretHash,
      secretPrefix,
      secretRotatedAt: now,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      projectId: project.id,
    };
    await insertWithinPlanLimit(c, "agents", agents, row);
    ids.set(ch.name, row.id);
    createdAgents.push({ id: row.id, name: row.name, secret });
    await audit(c, {
      action: "agent.created",
      target: { type: "agent", id: row.id },
      details: {
        name: row.name,
        template: row.template,
        trustLevel: row.trustLevel,
        via: "yaml",
        teamId: team.teamId,
        projectId: project.id,
      },
    });
  }

  const updates = new Map<string, Partial<Pick<AgentRow, "template" | "trustLevel" | "description">>>();
  for (const ch of changes) if (ch.kind === "agent.update") updates.set(ch.agentId, { ...updates.get(ch.agentId), [ch.field]: ch.to });
  for (const [agentId, set] of updates) {
    const updated = await db
      .update(agents)
      .set({ ...set, updatedAt: now })
      .where(eq(agents.id, agentId))
      .returning()
      .get();
    if (!updated) continue;
    if (set.template !== undefined || set.trustLevel !== undefined) {
      const teamIds = (await db.select({ teamId: teamAgents.teamId }).from(teamAgents).where(eq(teamAgents.agentId, agentId)).all()).map(
        (r) => r.teamId,
      );
      await updateAgentOnRelays(c.env, team.tenantId, teamIds, {
        agentId,
        role: updated.template,
        trust: updated.trustLevel as TrustLevel,
      });
    }
    await audit(c, {
      action: "agent.updated",
      target: { type: "agent", id: agentId },
      details: { changed: Object.keys(set), to: set, via: "yaml" },
    });
  }

  const adds = changes.filter((ch) => ch.kind === "member.add").map((ch) => ids.get((ch as { name: string }).name)!);
  if (adds.length) {
    const linked = await linkAgentsToTeam(db, team.tenantId, team.teamId, adds, now, project);
    for (const agentId of linked)
      await audit(c, { action: "team.agent_added", target: { type: "team", id: team.teamId }, details: { agentId, via: "yaml" } });
  }
  for (const ch of changes) {
    if (ch.kind !== "member.remove") continue;
    await db
      .delete(teamAgents)
      .where(and(eq(teamAgents.teamId, team.teamId), eq(teamAgents.agentId, ch.agentId)))
      .run();
    await evictAgentFromRelays(c.env, [team.teamId], ch.agentId, "removed");
    await audit(c, {
      action: "team.agent_removed",
      target: { type: "team", id: team.teamId },
      details: { agentId: ch.agentId, via: "yaml" },
    });
  }

  if (changes.some((ch) => ch.kind.startsWith("allowlist."))) {
    const rules = resolveAllowlist(doc, (name) => ids.get(name)!);
    const result = await relayOf(c.env, team.teamId).putAllowlist(team.teamId, team.tenantId, state.allowlist.version, rules);
    if (!result.ok)
      throw new ApiError(
        "version_conflict",
        `The allowlist changed while the document was applied (now version ${result.current.version}); apply again.`,
        { currentVersion: result.current.version },
      );
    await audit(c, {
      action: "team.allowlist_updated",
      target: { type: "team", id: team.teamId },
      details: {
        version: result.allowlist.version,
        edges: result.allowlist.edges.length,
        topics: result.allowlist.topics.length,
        via: "yaml",
      },
    });
  }
  if (changes.some((ch) => ch.kind === "settings.update"))
    await coordinatorOf(c.env, team.teamId).putSettings(team, personCaller(c), doc.spec.coordination);

  await audit(c, {
    action: "team.yaml_applied",
    target: { type: "team", id: team.teamId },
    details: { changes: changes.length, kinds: [...new Set(changes.map((ch) => ch.kind))], createdAgents: createdAgents.map((a) => a.id) },
  });
  const after = await loadTeamState(c, { ...team, name: doc.metadata.name, description: doc.metadata.description });
  return { changes, applied: true, createdAgents, yaml: toTeamDocument(after) };
}
