/**
 * Agent and team memory: episodic, working and procedural entries with tags and an optional TTL,
 * recalled by tag, recency or full text. Full text is SQLite FTS5 (an external-content index over
 * `memories`, kept in step by hand in the same synchronous write; bm25 ranking). Quotas: an
 * agent's private memory by its trust level (COORDINATION_TRUST.memoryQuotaBytes), team memory by
 * the team's setting; expired entries do not count and are purged by the alarm.
 */
import { newId } from "../../workers/shared/crypto/ids";
import { mayCoordinate, memoryQuotaBytes, type Caller } from "../../workers/shared/coordination/policy";
import type { CoordActor, Memory } from "../../workers/shared/coordination/schemas";
import { actorOf, fail, iso, isoOrNull, ok, type CoordResult, type CoordState } from "./context";

type MemoryRow = {
  rowid: number;
  id: string;
  scope: "agent" | "team";
  owner: string;
  kind: Memory["kind"];
  content: string;
  tags: string;
  bytes: number;
  created_by: string;
  created_at: number;
  expires_at: number | null;
};

export interface RememberArgs {
  content: string;
  kind: Memory["kind"];
  scope: "agent" | "team";
  tags: string[];
  ttlSeconds?: number;
}

export interface RecallArgs {
  query?: string;
  tags?: string[];
  kind?: Memory["kind"];
  scope: "agent" | "team" | "all";
  limit: number;
}

function toMemory(r: MemoryRow): Memory {
  return {
    id: r.id,
    scope: r.scope,
    owner: r.scope === "agent" ? r.owner : null,
    kind: r.kind,
    content: r.content,
    tags: JSON.parse(r.tags) as string[],
    bytes: r.bytes,
    createdBy: JSON.parse(r.created_by) as CoordActor,
    createdAt: iso(r.created_at),
    expiresAt: isoOrNull(r.expires_at),
  };
}

const byteLength = (s: string) => new TextEncoder().encode(s).length;

export function usage(sql: SqlStorage, scope: "agent" | "team", owner: string, now: number): number {
  return (
    sql
      .exec<{ b: number | null }>(
        "SELECT sum(bytes) AS b FROM memories WHERE scope = ? AND owner = ? AND (expires_at IS NULL OR expires_at > ?)",
        scope,
        owner,
        now,
      )
      .one().b ?? 0
  );
}

export function remember(
  co: CoordState,
  caller: Extract<Caller, { kind: "agent" }>,
  input: RememberArgs,
  now: number,
): CoordResult<Memory> {
  const { sql } = co;
  const actor = actorOf(caller);
  const decision = mayCoordinate(caller, "memory.write", { scope: input.scope });
  if (!decision.ok) {
    co.stage({ actor, action: "coordination.memory_denied", outcome: "denied", details: { reason: decision.code, scope: input.scope } });
    return fail(decision.code, decision.message, decision.details);
  }
  const owner = input.scope === "agent" ? caller.agentId : "";
  const tags = [...new Set(input.tags)];
  const bytes = byteLength(input.content) + byteLength(tags.join(" "));
  const quota = input.scope === "agent" ? memoryQuotaBytes(caller.trust) : co.settings.teamMemoryQuotaBytes;
  const used = usage(sql, input.scope, owner, now);
  if (used + bytes > quota) {
    co.stage({
      actor,
      action: "coordination.memory_denied",
      outcome: "denied",
      details: { reason: "quota_exceeded", scope: input.scope, quotaBytes: quota, usedBytes: used, bytes },
    });
    return fail(
      "quota_exceeded",
      `This entry (${bytes} bytes) would take ${input.scope === "agent" ? "the agent's" : "the team's"} memory past its quota of ${quota} bytes (${used} used).`,
      { scope: input.scope, quotaBytes: quota, usedBytes: used, bytes },
    );
  }
  const id = newId("memory", now);
  const expiresAt = input.ttlSeconds ? now + input.ttlSeconds * 1000 : null;
  sql.exec(
    "INSERT INTO memories (id, scope, owner, kind, content, tags, bytes, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    id,
    input.scope,
    owner,
    input.kind,
    input.content,
    JSON.stringify(tags),
    bytes,
    JSON.stringify(actor),
    now,
    expiresAt,
  );
  const row = sql.exec<MemoryRow>("SELECT * FROM memories WHERE id = ?", id).one();
  sql.exec("INSERT INTO memories_fts (rowid, content, tags) VALUES (?, ?, ?)", row.rowid, input.content, tags.join(" "));
  for (const tag of tags) sql.exec("INSERT INTO memory_tags (tag, memory_rowid) VALUES (?, ?)", tag, row.rowid);
  co.stage({
    actor,
    action: "coordination.memory_written",
    target: { type: "memory", id },
    details: { scope: input.scope, kind: input.kind, tags, bytes, expiresAt: isoOrNull(expiresAt) },
  });
  return ok(toMemory(row));
}

/**
 * `viewer`: the agent recalling (its own private entries plus team entries), or null for a person
 * (team entries and every agent's private entries: people administer the team).
 */
export function recall(sql: SqlStorage, viewer: string | null, input: RecallArgs, now: number): CoordResult<Memory[]> {
  const where = ["(m.expires_at IS NULL OR m.expires_at > ?)"];
  const args: unknown[] = [now];
  if (input.scope === "team") where.push("m.scope = 'team'");
  else if (input.scope === "agent") where.push("m.scope = 'agent'");
  if (viewer !== null) where.push("(m.scope = 'team' OR m.owner = ?)"), args.push(viewer);
  if (input.kind) where.push("m.kind = ?"), args.push(input.kind);
  const tags = [...new Set(input.tags ?? [])];
  if (tags.length > 0) {
    where.push(
      `m.rowid IN (SELECT memory_rowid FROM memory_tags WHERE tag IN (${tags.map(() => "?").join(",")}) GROUP BY memory_rowid HAVING count(*) = ?)`,
    );
    args.push(...tags, tags.length);
  }
  const query = input.query?.trim();
  if (!query) {
    return ok(
      sql
        .exec<MemoryRow>(
          `SELECT m.* FROM memories m WHERE ${where.join(" AND ")} ORDER BY m.created_at DESC, m.rowid DESC LIMIT ?`,
          ...args,
          input.limit,
        )
        .toArray()
        .map(toMemory),
    );
  }
  const run = (match: string) =>
    sql
      .exec<MemoryRow>(
        `SELECT m.* FROM memories_fts f JOIN memories m ON m.rowid = f.rowid WHERE memories_fts MATCH ? AND ${where.join(" AND ")} ORDER BY bm25(memories_fts), m.rowid DESC LIMIT ?`,
        match,
        ...args,
        input.limit,
      )
      .toArray()
      .map(toMemory);
  try {
    return ok(run(query));
  } catch {
    // Not valid FTS5 syntax (a stray quote, a bare operator): search the words literally instead.
    const words = query
      .split(/\s+/)
      .filter(Boolean)
      .map((w) => `"${w.replaceAll('"', '""')}"`);
    if (words.length === 0) return ok([]);
    return ok(run(words.join(" ")));
  }
}

export function forget(co: CoordState, caller: Caller, id: string): CoordResult<{ deleted: true }> {
  const { sql } = co;
  const row = sql.exec<MemoryRow>("SELECT * FROM memories WHERE id = ?", id).toArray()[0];
  // An agent may delete its own private entries and team entries it wrote; people (teams:write) any.
  const mine =
    caller.kind === "person" ||
    (row && (row.owner === caller.agentId || (row.scope === "team" && (JSON.parse(row.created_by) as CoordActor).id === caller.agentId)));
  if (!row || !mine) return fail("not_found", "No such memory entry.", { id });
  deleteRow(sql, row);
  co.stage({
    actor: actorOf(caller),
    action: "coordination.memory_deleted",
    target: { type: "memory", id },
    details: { scope: row.scope, owner: row.scope === "agent" ? row.owner : null },
  });
  return ok({ deleted: true });
}

function deleteRow(sql: SqlStorage, row: MemoryRow): void {
  sql.exec(
    "INSERT INTO memories_fts (memories_fts, rowid, content, tags) VALUES ('delete', ?, ?, ?)",
    row.rowid,
    row.content,
    (JSON.parse(row.tags) as string[]).join(" "),
  );
  sql.exec("DELETE FROM memory_tags WHERE memory_rowid = ?", row.rowid);
  sql.exec("DELETE FROM memories WHERE rowid = ?", row.rowid);
}

export function purgeExpiredMemories(sql: SqlStorage, now: number, limit = 500): number {
  const rows = sql.exec<MemoryRow>("SELECT * FROM memories WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ?", now, limit).toArray();
  for (const r of rows) deleteRow(sql, r);
  return rows.length;
}

export function nextMemoryExpiry(sql: SqlStorage): number | null {
  return sql.exec<{ t: number | null }>("SELECT min(expires_at) AS t FROM memories WHERE expires_at IS NOT NULL").one().t;
}

export function memoryUsage(sql: SqlStorage, now: number): { teamBytes: number; agents: Array<{ agentId: string; bytes: number }> } {
  const teamBytes = usage(sql, "team", "", now);
  const agents = sql
    .exec<{ owner: string; b: number }>(
      "SELECT owner, sum(bytes) AS b FROM memories WHERE scope = 'agent' AND (expires_at IS NULL OR expires_at > ?) GROUP BY owner",
      now,
    )
    .toArray()
    .map((r) => ({ agentId: r.owner, bytes: r.b }));
  return { teamBytes, agents };
}
