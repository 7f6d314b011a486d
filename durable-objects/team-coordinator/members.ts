/**
 * The team's members as D1 says (id, name, template, trust, status), cached in memory for a
 * couple of seconds: every coordination decision about another agent (its role on the
 * allowlist, whether it is in the team at all) reads it, and D1 is the truth. An id the cache does
 * not know forces one reload, so a freshly added agent is never refused for staleness.
 */
import type { AgentTemplate } from "../../workers/shared/agent-templates";
import type { TrustLevel } from "../../workers/shared/trust-levels";
import type { MemberInfo } from "./presence";

export const MEMBERS_TTL_MS = 2_000;

export class MemberCache {
  private byId = new Map<string, MemberInfo>();
  private loadedAt = 0;

  constructor(private readonly db: () => D1Database) {}

  /** True when the cache can answer for `wanted` without a reload (the caller may skip `ensure`). */
  fresh(now: number, wanted: Array<string | null | undefined> = []): boolean {
    return now - this.loadedAt < MEMBERS_TTL_MS && !wanted.some((id) => id && !this.byId.has(id));
  }

  async ensure(teamId: string, now: number, wanted: Array<string | null | undefined> = []): Promise<void> {
    if (this.fresh(now, wanted)) return;
    const rows = await this.db()
      .prepare(
        `SELECT a.id, a.name, a.template, a.trust_level, a.status FROM team_agents ta
           JOIN agents a ON a.id = ta.agent_id
           JOIN teams t ON t.id = ta.team_id
          WHERE ta.team_id = ? AND a.deleted_at IS NULL AND t.deleted_at IS NULL AND t.tenant_id = a.tenant_id
          ORDER BY a.name, a.id`,
      )
      .bind(teamId)
      .all<{ id: string; name: string; template: string; trust_level: number; status: string }>();
    this.byId = new Map(
      rows.results.map((r) => [
        r.id,
        {
          agentId: r.id,
          name: r.name,
          template: r.template as AgentTemplate,
          trustLevel: r.trust_level as TrustLevel,
          status: r.status as MemberInfo["status"],
        },
      ]),
    );
    this.loadedAt = now;
  }

  role(agentId: string): AgentTemplate | null {
    return this.byId.get(agentId)?.template ?? null;
  }

  get(agentId: string): MemberInfo | undefined {
    return this.byId.get(agentId);
  }

  all(): MemberInfo[] {
    return [...this.byId.values()];
  }

  /** The first active agent of each template (workflow steps' default assignees). */
  firstOfRole(role: AgentTemplate): string | null {
    return this.all().find((m) => m.template === role && m.status === "active")?.agentId ?? null;
  }

  invalidate(): void {
    this.loadedAt = 0;
  }
}
