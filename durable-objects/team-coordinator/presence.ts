/**
 * Discovery and heartbeat: what each agent advertises (capabilities, a status line, its current
 * task) and when it was last seen. Any coordination call by an agent counts as a heartbeat
 * (`touch`), so a busy agent never looks offline. Names, templates and trust come from D1 (the
 * API joins them in); this table holds only what the agent says about itself.
 */
import type { AgentTemplate } from "../../workers/shared/agent-templates";
import { ONLINE_WINDOW_MS, type AgentPresence } from "../../workers/shared/coordination/schemas";
import { isoOrNull, type CoordState } from "./context";

type PresenceRow = {
  agent_id: string;
  capabilities: string;
  status_text: string | null;
  current_task: string | null;
  last_seen: number;
};

/** Touch writes at most once per this interval per agent (a claim storm should not double its row writes). */
const TOUCH_INTERVAL_MS = 5_000;

/** `lastTouch`: the object's own map (a cache; losing it to eviction costs one extra write). */
export function touch(sql: SqlStorage, lastTouch: Map<string, number>, agentId: string, now: number): void {
  const previous = lastTouch.get(agentId);
  if (previous !== undefined && now - previous < TOUCH_INTERVAL_MS) return;
  lastTouch.set(agentId, now);
  sql.exec(
    "INSERT INTO presence (agent_id, capabilities, last_seen) VALUES (?, '[]', ?) ON CONFLICT (agent_id) DO UPDATE SET last_seen = excluded.last_seen",
    agentId,
    now,
  );
}

export function heartbeat(
  co: CoordState,
  lastTouch: Map<string, number>,
  agentId: string,
  input: { capabilities?: string[]; status?: string; currentTask?: string | null },
  now: number,
): void {
  const { sql } = co;
  lastTouch.set(agentId, now);
  sql.exec(
    "INSERT INTO presence (agent_id, capabilities, last_seen) VALUES (?, '[]', ?) ON CONFLICT (agent_id) DO UPDATE SET last_seen = excluded.last_seen",
    agentId,
    now,
  );
  if (input.capabilities)
    sql.exec("UPDATE presence SET capabilities = ? WHERE agent_id = ?", JSON.stringify([...new Set(input.capabilities)]), agentId);
  if (input.status !== undefined) sql.exec("UPDATE presence SET status_text = ? WHERE agent_id = ?", input.status, agentId);
  if (input.currentTask !== undefined) sql.exec("UPDATE presence SET current_task = ? WHERE agent_id = ?", input.currentTask, agentId);
}

export function advertisedCapabilities(sql: SqlStorage, agentId: string): string[] {
  const row = sql.exec<{ capabilities: string }>("SELECT capabilities FROM presence WHERE agent_id = ?", agentId).toArray()[0];
  return row ? (JSON.parse(row.capabilities) as string[]) : [];
}

export interface MemberInfo {
  agentId: string;
  name: string;
  template: AgentTemplate;
  trustLevel: number;
  status: "active" | "suspended";
}

export function presenceOf(sql: SqlStorage, members: MemberInfo[], now: number): AgentPresence[] {
  const rows = new Map(
    sql
      .exec<PresenceRow>("SELECT * FROM presence")
      .toArray()
      .map((r) => [r.agent_id, r]),
  );
  return members.map((m) => {
    const p = rows.get(m.agentId);
    const caps = [...new Set([m.template, ...(p ? (JSON.parse(p.capabilities) as string[]) : [])])];
    return {
      agentId: m.agentId,
      name: m.name,
      template: m.template,
      trustLevel: m.trustLevel,
      status: m.status,
      capabilities: caps,
      online: p !== undefined && now - p.last_seen < ONLINE_WINDOW_MS && m.status === "active",
      lastSeenAt: isoOrNull(p?.last_seen ?? null),
      statusText: p?.status_text ?? null,
      currentTask: p?.current_task ?? null,
    };
  });
}
