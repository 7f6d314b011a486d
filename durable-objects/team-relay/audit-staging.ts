/**
 * Relay audit events, flushed to the audit trail in batches by the alarm. Two sources:
 *
 * - Accepted messages: the message row IS the staged event. `flushAccepted` reads the log past
 *   the `meta.audit_flushed_seq` cursor, builds each event from its row with an id derived from
 *   (team, seq) — the same id every time — writes the batch through `emitAuditBatch` (one D1
 *   batch) and only then moves the cursor: one row written per batch, none per message. A crash
 *   between the two rebuilds the same events with the same ids and the repeat is ignored. The
 *   purge never deletes a message beyond the cursor (delivery.ts), so no event can be lost to TTL.
 * - Decisions with no message row (denials, subscriptions, the first refusal of a rate-limit
 *   spell) are staged in `audit_outbox` in the same run of code as the decision; `flushStaged`
 *   deletes exactly the rows written, only after D1 said yes; their ids are fixed at staging.
 *
 * Either way: at least once + idempotent = exactly once, and eviction between staging and
 * flushing loses nothing because both sources are in SQLite.
 */
import { createHash } from "node:crypto";
import { emitAuditBatch, type StagedAuditEvent } from "../../workers/shared/audit/emit";
import { derivedId, newId } from "../../workers/shared/crypto/ids";
import type { StoredMessage } from "./delivery";
import { readMeta, writeMeta } from "./schema";

export const AUDIT_FLUSH_BATCH = 100;

export interface RelayAuditInput {
  tenantId: string;
  teamId: string;
  agentId: string;
  action: string;
  outcome: "success" | "denied";
  target?: { type: string; id: string } | null;
  details: Record<string, unknown>;
  at: number;
}

export function stageAudit(sql: SqlStorage, input: RelayAuditInput): void {
  const event: StagedAuditEvent = {
    id: newId("audit", input.at),
    at: input.at,
    tenantId: input.tenantId,
    actor: { type: "agent", id: input.agentId, name: null },
    action: input.action,
    target: input.target ?? { type: "team", id: input.teamId },
    details: { teamId: input.teamId, ...input.details },
    severity: input.outcome === "denied" ? "warning" : "info",
    outcome: input.outcome,
    ip: null,
    userAgent: null,
  };
  sql.exec("INSERT INTO audit_outbox (id, event) VALUES (?, ?)", event.id, JSON.stringify(event));
}

export function stagedCount(sql: SqlStorage): number {
  return sql.exec<{ n: number }>("SELECT count(*) AS n FROM audit_outbox").one().n;
}

/** Flushes up to one batch of the outbox; returns how many events were written. Throws if D1 refuses (the alarm retries). */
export async function flushStaged(sql: SqlStorage, env: Pick<Env, "DB">, limit = AUDIT_FLUSH_BATCH): Promise<number> {
  const rows = sql.exec<{ id: string; event: string }>("SELECT id, event FROM audit_outbox ORDER BY id LIMIT ?", limit).toArray();
  if (rows.length === 0) return 0;
  await emitAuditBatch(env, rows.map((r) => JSON.parse(r.event) as StagedAuditEvent));
  // Exactly the rows written (events staged meanwhile stay), in chunks under the bound-parameter limit.
  for (let i = 0; i < rows.length; i += 50) {
    const ids = rows.slice(i, i + 50).map((r) => r.id);
    sql.exec(`DELETE FROM audit_outbox WHERE id IN (${ids.map(() => "?").join(",")})`, ...ids);
  }
  return rows.length;
}

/** SHA-256 of a body's JSON text, hex. Synchronous (node:crypto), so it can sit inside the write. */
export function bodyHash(bodyJson: string): string {
  return createHash("sha256").update(bodyJson).digest("hex");
}

export const AUDIT_CURSOR_KEY = "audit_flushed_seq";

/** The seq up to which accepted messages' audit events are in the audit trail. */
export function auditFlushedSeq(sql: SqlStorage): number {
  return Number(readMeta(sql, AUDIT_CURSOR_KEY) ?? 0);
}

/** The id of message `seq`'s audit event: the same on every flush of it. */
export function acceptedEventId(teamId: string, seq: number, at: number): string {
  return derivedId("audit", at, createHash("sha256").update(`relay.message_accepted:${teamId}:${seq}`).digest());
}

/** Accepted messages past the cursor → one batch of audit events; then the cursor moves. Returns how many. */
export async function flushAccepted(sql: SqlStorage, env: Pick<Env, "DB">, team: { teamId: string; tenantId: string }, limit = AUDIT_FLUSH_BATCH): Promise<number> {
  const from = auditFlushedSeq(sql);
  const rows = sql.exec<StoredMessage>("SELECT * FROM messages WHERE seq > ? ORDER BY seq LIMIT ?", from, limit).toArray();
  if (rows.length === 0) return 0;
  const fanned = new Map<number, string[]>();
  const oneToMany = rows.filter((m) => m.recipient === null).map((m) => m.seq);
  if (oneToMany.length > 0) {
    for (const f of sql.exec<{ seq: number; recipient: string }>(`SELECT seq, recipient FROM fanout WHERE seq IN (${oneToMany.map(() => "?").join(",")}) ORDER BY seq, recipient`, ...oneToMany)) {
      fanned.set(f.seq, [...(fanned.get(f.seq) ?? []), f.recipient]);
    }
  }
  await emitAuditBatch(env, rows.map((m) => acceptedEvent(team, m, m.recipient !== null ? [m.recipient] : (fanned.get(m.seq) ?? []))));
  const last = rows[rows.length - 1]!.seq;
  // Forward only, and re-read after the await: frames may have run meanwhile (never a flush, which only the alarm runs).
  if (last > auditFlushedSeq(sql)) writeMeta(sql, AUDIT_CURSOR_KEY, String(last));
  return rows.length;
}

/** `relay.message_accepted` for a stored message: metadata and the body's hash, never the body. */
export function acceptedEvent(team: { teamId: string; tenantId: string }, m: StoredMessage, to: string[]): StagedAuditEvent {
  const target =
    m.kind === "direct" || m.kind === "request" ? { type: "agent", id: m.recipient! } : m.kind === "topic" ? { type: "topic", id: m.topic! } : { type: "team", id: team.teamId };
  const targetDetails = m.kind === "direct" || m.kind === "request" ? { recipient: m.recipient } : m.kind === "topic" ? { topic: m.topic } : m.kind === "reply" ? { inReplyTo: m.in_reply_to } : {};
  const skipped = m.skipped ? (JSON.parse(m.skipped) as string[]) : [];
  return {
    id: acceptedEventId(team.teamId, m.seq, m.created_at),
    at: m.created_at,
    tenantId: team.tenantId,
    actor: { type: "agent", id: m.sender, name: null },
    action: "relay.message_accepted",
    target,
    details: { teamId: team.teamId, seq: m.seq, kind: m.kind, clientId: m.client_id, to, ...(skipped.length ? { skippedQueueFull: skipped } : {}), ...targetDetails, bodySha256: bodyHash(m.body), bytes: m.body.length },
    severity: "info",
    outcome: "success",
    ip: null,
    userAgent: null,
  };
}
