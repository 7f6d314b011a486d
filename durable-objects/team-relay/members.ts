/**
 * The relay's copy of its team's membership (agent → role, trust), which recipients' roles and
 * broadcasts need even for agents that are offline. D1's team_agents is the truth; this table
 * is refreshed from it when an agent connects and when a frame names an agent it does not know
 * (at most once per REFRESH_INTERVAL_MS), and the API tells the relay at once when an agent is
 * removed, deleted or suspended (closeAgent/removeMember RPCs).
 */
import type { AgentTemplate } from "../../workers/shared/agent-templates";
import type { TrustLevel } from "../../workers/shared/trust-levels";

export interface Member {
  agentId: string;
  role: AgentTemplate;
  trust: TrustLevel;
}

export const REFRESH_INTERVAL_MS = 1_000;

export function getMember(sql: SqlStorage, agentId: string): Member | null {
  const row = sql.exec<{ agent_id: string; role: string; trust: number }>("SELECT * FROM members WHERE agent_id = ?", agentId).toArray()[0];
  return row ? { agentId: row.agent_id, role: row.role as AgentTemplate, trust: row.trust as TrustLevel } : null;
}

export function allMembers(sql: SqlStorage): Member[] {
  return sql
    .exec<{ agent_id: string; role: string; trust: number }>("SELECT * FROM members ORDER BY agent_id")
    .toArray()
    .map((r) => ({ agentId: r.agent_id, role: r.role as AgentTemplate, trust: r.trust as TrustLevel }));
}

export function upsertMember(sql: SqlStorage, m: Member): void {
  sql.exec("INSERT INTO members (agent_id, role, trust) VALUES (?, ?, ?) ON CONFLICT (agent_id) DO UPDATE SET role = excluded.role, trust = excluded.trust", m.agentId, m.role, m.trust);
}

export function deleteMember(sql: SqlStorage, agentId: string): void {
  sql.exec("DELETE FROM members WHERE agent_id = ?", agentId);
  sql.exec("DELETE FROM subscriptions WHERE agent_id = ?", agentId);
}

/** The team's live, non-deleted member agents from D1 (suspended ones included: they keep their queue). */
export async function fetchMembers(db: D1Database, teamId: string): Promise<Member[]> {
  const rows = await db
    .prepare(
      `SELECT a.id AS agent_id, a.template AS role, a.trust_level AS trust FROM team_agents ta
         JOIN agents a ON a.id = ta.agent_id
         JOIN teams t ON t.id = ta.team_id
        WHERE ta.team_id = ? AND a.deleted_at IS NULL AND t.deleted_at IS NULL AND t.tenant_id = a.tenant_id`,
    )
    .bind(teamId)
    .all<{ agent_id: string; role: string; trust: number }>();
  return rows.results.map((r) => ({ agentId: r.agent_id, role: r.role as AgentTemplate, trust: r.trust as TrustLevel }));
}

/** Makes the members table equal to `members`, writing only the rows that changed. */
export function replaceMembers(sql: SqlStorage, members: Member[]): void {
  const before = new Map(allMembers(sql).map((m) => [m.agentId, m]));
  for (const m of members) {
    const old = before.get(m.agentId);
    if (!old || old.role !== m.role || old.trust !== m.trust) upsertMember(sql, m);
    before.delete(m.agentId);
  }
  for (const gone of before.keys()) deleteMember(sql, gone);
}
