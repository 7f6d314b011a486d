/**
 * The relay's copy of its team's membership (agent → role, trust, suspended), which recipients'
 * roles and broadcasts need even for agents that are offline. D1's team_agents is the truth; this
 * copy is refreshed from it when an agent connects and when a frame names an agent it does not
 * know (at most once per REFRESH_INTERVAL_MS), and the API tells the relay at once when an agent is
 * removed, deleted, suspended or changed (removeMember/closeAgent/updateMember RPCs).
 *
 * Kept in SQL (one row per member) and in memory (a map loaded at start-up: a team's size, not its
 * traffic), so judging a frame reads no SQL.
 */
import type { AgentTemplate } from "../../workers/shared/agent-templates";
import { asTrustLevel, type TrustLevel } from "../../workers/shared/trust-levels";

export interface Member {
  agentId: string;
  role: AgentTemplate;
  trust: TrustLevel;
  /** Suspended by the API (closeAgent with 4003) and not active again in D1 since. */
  suspended: boolean;
}

export const REFRESH_INTERVAL_MS = 1_000;

type Row = { agent_id: string; role: string; trust: number; suspended: number };

/** A stored trust value that is not a level is read as level 0 (fail closed; see trustLimits). */
const toMember = (r: Row): Member => ({
  agentId: r.agent_id,
  role: r.role as AgentTemplate,
  trust: asTrustLevel(r.trust) ?? 0,
  suspended: r.suspended === 1,
});

export class Members {
  private readonly byId = new Map<string, Member>();

  constructor(private readonly sql: SqlStorage) {
    for (const row of sql.exec<Row>("SELECT agent_id, role, trust, suspended FROM members")) this.byId.set(row.agent_id, toMember(row));
  }

  get(agentId: string): Member | null {
    return this.byId.get(agentId) ?? null;
  }

  all(): Iterable<Member> {
    return this.byId.values();
  }

  upsert(m: Member): void {
    const old = this.byId.get(m.agentId);
    if (old && old.role === m.role && old.trust === m.trust && old.suspended === m.suspended) return;
    this.sql.exec(
      "INSERT INTO members (agent_id, role, trust, suspended) VALUES (?, ?, ?, ?) ON CONFLICT (agent_id) DO UPDATE SET role = excluded.role, trust = excluded.trust, suspended = excluded.suspended",
      m.agentId,
      m.role,
      m.trust,
      m.suspended ? 1 : 0,
    );
    this.byId.set(m.agentId, { ...m });
  }

  remove(agentId: string): void {
    if (!this.byId.delete(agentId)) return;
    this.sql.exec("DELETE FROM members WHERE agent_id = ?", agentId);
  }

  /** Makes the copy equal to `members` (D1's list), writing only the rows that changed. Returns the ids that left. */
  replace(members: Member[]): string[] {
    const gone = new Set(this.byId.keys());
    for (const m of members) {
      this.upsert(m);
      gone.delete(m.agentId);
    }
    for (const id of gone) this.remove(id);
    return [...gone];
  }
}

/** The team's live, non-deleted member agents from D1 (suspended ones included: they keep their queue). */
export async function fetchMembers(db: D1Database, teamId: string): Promise<Member[]> {
  const rows = await db
    .prepare(
      `SELECT a.id AS agent_id, a.template AS role, a.trust_level AS trust, CASE WHEN a.status = 'suspended' THEN 1 ELSE 0 END AS suspended FROM team_agents ta
         JOIN agents a ON a.id = ta.agent_id
         JOIN teams t ON t.id = ta.team_id
        WHERE ta.team_id = ? AND a.deleted_at IS NULL AND t.deleted_at IS NULL AND t.tenant_id = a.tenant_id`,
    )
    .bind(teamId)
    .all<Row>();
  return rows.results.map(toMember);
}
