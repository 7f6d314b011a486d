/**
 * The ApprovalDesk's SQLite: one row per approval (the record as JSON beside the columns it is
 * looked up by) and an outbox of work that must happen after a commit — audit events for the
 * tenant's ledger and decisions the team relay must apply (deliver or refuse a held message).
 * Outbox rows are written in the same transaction as the change they follow, so an eviction between
 * the commit and the send loses nothing: the alarm sends what is left.
 */
import type { StagedAuditEvent } from "../../workers/shared/audit/emit";
import type { ApprovalRecord } from "../../workers/shared/approvals/transitions";
import type { ApprovalStatus } from "../../workers/shared/schemas/approvals";

export function migrate(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS approvals (
    id TEXT PRIMARY KEY, status TEXT NOT NULL, agent_id TEXT NOT NULL, team_id TEXT,
    fingerprint TEXT NOT NULL, expires_at INTEGER NOT NULL, record TEXT NOT NULL)`);
  sql.exec("CREATE INDEX IF NOT EXISTS approvals_status ON approvals (status, expires_at)");
  sql.exec("CREATE INDEX IF NOT EXISTS approvals_fingerprint ON approvals (fingerprint, status)");
  sql.exec("CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, payload TEXT NOT NULL)");
}

export type RelayNotice = { teamId: string; approvalId: string; status: ApprovalStatus; reason: string | null; decidedBy: string | null };
export type OutboxItem = { kind: "audit"; event: StagedAuditEvent } | { kind: "relay"; notice: RelayNotice };

export function save(sql: SqlStorage, a: ApprovalRecord): void {
  sql.exec(
    `INSERT INTO approvals (id, status, agent_id, team_id, fingerprint, expires_at, record) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (id) DO UPDATE SET status = excluded.status, expires_at = excluded.expires_at, record = excluded.record`,
    a.id,
    a.status,
    a.agentId,
    a.teamId,
    a.fingerprint,
    a.expiresAt,
    JSON.stringify(a),
  );
}

export function load(sql: SqlStorage, id: string): ApprovalRecord | null {
  const row = sql.exec<{ record: string }>("SELECT record FROM approvals WHERE id = ?", id).toArray()[0];
  return row ? (JSON.parse(row.record) as ApprovalRecord) : null;
}

export function pendingByFingerprint(sql: SqlStorage, fingerprint: string): ApprovalRecord | null {
  const row = sql
    .exec<{ record: string }>(
      "SELECT record FROM approvals WHERE fingerprint = ? AND status = 'pending' ORDER BY id DESC LIMIT 1",
      fingerprint,
    )
    .toArray()[0];
  return row ? (JSON.parse(row.record) as ApprovalRecord) : null;
}

export function list(sql: SqlStorage, status: ApprovalStatus | undefined, limit: number): ApprovalRecord[] {
  const rows = status
    ? sql.exec<{ record: string }>("SELECT record FROM approvals WHERE status = ? ORDER BY id DESC LIMIT ?", status, limit)
    : sql.exec<{ record: string }>("SELECT record FROM approvals ORDER BY id DESC LIMIT ?", limit);
  return rows.toArray().map((r) => JSON.parse(r.record) as ApprovalRecord);
}

/** Pending, or approved and not yet used: what an expiry (its time, or expireAll) may end. */
export function open(sql: SqlStorage, teamId: string | undefined): ApprovalRecord[] {
  const rows = teamId
    ? sql.exec<{ record: string }>("SELECT record FROM approvals WHERE status IN ('pending', 'approved') AND team_id = ?", teamId)
    : sql.exec<{ record: string }>("SELECT record FROM approvals WHERE status IN ('pending', 'approved')");
  return rows.toArray().map((r) => JSON.parse(r.record) as ApprovalRecord);
}

export function due(sql: SqlStorage, now: number): ApprovalRecord[] {
  return sql
    .exec<{ record: string }>("SELECT record FROM approvals WHERE status IN ('pending', 'approved') AND expires_at <= ?", now)
    .toArray()
    .map((r) => JSON.parse(r.record) as ApprovalRecord);
}

export function nextExpiry(sql: SqlStorage): number | null {
  const row = sql
    .exec<{ at: number | null }>("SELECT MIN(expires_at) AS at FROM approvals WHERE status IN ('pending', 'approved')")
    .toArray()[0];
  return row?.at ?? null;
}

export function enqueue(sql: SqlStorage, item: OutboxItem): void {
  sql.exec("INSERT INTO outbox (kind, payload) VALUES (?, ?)", item.kind, JSON.stringify(item.kind === "audit" ? item.event : item.notice));
}

export function outbox(sql: SqlStorage, limit = 100): Array<{ seq: number; item: OutboxItem }> {
  return sql
    .exec<{ seq: number; kind: string; payload: string }>("SELECT seq, kind, payload FROM outbox ORDER BY seq LIMIT ?", limit)
    .toArray()
    .map((r) => ({
      seq: r.seq,
      item: r.kind === "audit" ? { kind: "audit", event: JSON.parse(r.payload) } : { kind: "relay", notice: JSON.parse(r.payload) },
    }));
}

export function done(sql: SqlStorage, seqs: number[]): void {
  for (const seq of seqs) sql.exec("DELETE FROM outbox WHERE seq = ?", seq);
}
