/**
 * The team's message log, per-recipient cursors and pending requests, all in the relay's SQLite.
 * Every function here is synchronous: a caller can allocate a seq, insert the message and record
 * its recipients with no `await` in between, so they commit as one (Durable Object output gate)
 * and nothing is acknowledged before it is durable. The message row is also the source of its
 * audit event (audit-staging.ts), so a direct message costs exactly one row written.
 *
 * The log has no secondary index (each index entry is billed as a row written): lookups by
 * recipient are range scans on `seq` from a cursor, and the rest is cached (log-cache.ts).
 */
import type { DeliverFrame, DeliveryKind } from "../../workers/shared/relay/protocol";
import type { z } from "zod";

export type StoredMessage = {
  seq: number;
  kind: DeliveryKind;
  sender: string;
  recipient: string | null;
  topic: string | null;
  client_id: string;
  in_reply_to: string | null;
  body: string;
  created_at: number;
  expires_at: number;
  /** JSON array of recipients skipped because their queue was full (broadcast/topic), or null. */
  skipped: string | null;
};

export interface NewMessage {
  kind: DeliveryKind;
  sender: string;
  clientId: string;
  body: string;
  /** One recipient → `messages.recipient`; several → `fanout` rows. */
  recipients: string[];
  topic?: string;
  inReplyTo?: string;
  /** Recipients a broadcast/publish skipped (queue full); recorded for the audit event. */
  skipped?: string[];
  now: number;
  expiresAt: number;
}

export function headSeq(sql: SqlStorage): number {
  return sql.exec<{ head: number | null }>("SELECT max(seq) AS head FROM messages").one().head ?? 0;
}

/** A scan of the log: call it only when LogCache.mightContain says so (a retry, or a hash collision). */
export function findBySenderId(sql: SqlStorage, sender: string, clientId: string): { seq: number } | null {
  return sql.exec<{ seq: number }>("SELECT seq FROM messages WHERE sender = ? AND client_id = ?", sender, clientId).toArray()[0] ?? null;
}

/** Inserts one message with the given seq (the caller's head + 1). */
export function insertMessage(sql: SqlStorage, seq: number, m: NewMessage): void {
  const direct = m.kind === "direct" || m.kind === "request" || m.kind === "reply";
  sql.exec(
    "INSERT INTO messages (seq, kind, sender, recipient, topic, client_id, in_reply_to, body, created_at, expires_at, skipped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    seq,
    m.kind,
    m.sender,
    direct ? (m.recipients[0] ?? null) : null,
    m.topic ?? null,
    m.clientId,
    m.inReplyTo ?? null,
    m.body,
    m.now,
    m.expiresAt,
    m.skipped?.length ? JSON.stringify(m.skipped) : null,
  );
  if (!direct) for (const r of m.recipients) sql.exec("INSERT INTO fanout (recipient, seq) VALUES (?, ?)", r, seq);
}

export function toDeliver(m: Pick<StoredMessage, "seq" | "kind" | "sender" | "topic" | "client_id" | "in_reply_to" | "body">): z.infer<typeof DeliverFrame> {
  return {
    type: "deliver",
    seq: m.seq,
    from: m.sender,
    kind: m.kind,
    body: JSON.parse(m.body),
    id: m.client_id,
    ...(m.topic !== null ? { topic: m.topic } : {}),
    ...(m.in_reply_to !== null ? { inReplyTo: m.in_reply_to } : {}),
  };
}

/** Everything for `agentId` after `after`, oldest first, not expired. */
export function pendingFor(sql: SqlStorage, agentId: string, after: number, now: number, limit: number): StoredMessage[] {
  return sql
    .exec<StoredMessage>(
      `SELECT * FROM (
         SELECT * FROM messages WHERE recipient = ?1 AND seq > ?2 AND expires_at > ?3
         UNION ALL
         SELECT m.* FROM fanout f JOIN messages m ON m.seq = f.seq WHERE f.recipient = ?1 AND f.seq > ?2 AND m.expires_at > ?3
       ) ORDER BY seq LIMIT ?4`,
      agentId,
      after,
      now,
      limit,
    )
    .toArray();
}

/** Unacknowledged, unexpired messages waiting for `agentId` (the queue the cap applies to). */
export function queueLength(sql: SqlStorage, agentId: string, now: number): number {
  const after = cursorOf(sql, agentId);
  return sql
    .exec<{ n: number }>(
      `SELECT (SELECT count(*) FROM messages WHERE recipient = ?1 AND seq > ?2 AND expires_at > ?3)
            + (SELECT count(*) FROM fanout f JOIN messages m ON m.seq = f.seq WHERE f.recipient = ?1 AND f.seq > ?2 AND m.expires_at > ?3) AS n`,
      agentId,
      after,
      now,
    )
    .one().n;
}

export function cursorOf(sql: SqlStorage, agentId: string): number {
  return sql.exec<{ acked_seq: number }>("SELECT acked_seq FROM cursors WHERE agent_id = ?", agentId).toArray()[0]?.acked_seq ?? 0;
}

/** Moves the cursor forward only (acks are cumulative; an old ack changes nothing). */
export function advanceCursor(sql: SqlStorage, agentId: string, seq: number): number {
  const current = cursorOf(sql, agentId);
  if (seq <= current) return current;
  sql.exec("INSERT INTO cursors (agent_id, acked_seq) VALUES (?, ?) ON CONFLICT (agent_id) DO UPDATE SET acked_seq = excluded.acked_seq", agentId, seq);
  return seq;
}

/** A scan of the log (no expiry index): cached by LogCache. */
export function nextExpiry(sql: SqlStorage, head: number): number | null {
  return sql.exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM messages WHERE seq < ?", head).one().at;
}

/**
 * Deletes expired messages and their fanout rows — except the newest message, whose seq is the
 * head: keeping it means max(seq) never goes backwards, so seqs are never reused. Its body is
 * blanked instead once it expires (no one can be sent it any more). Nothing at or beyond the
 * audit flush cursor is touched: a message is its own audit record until its event is flushed.
 */
export function purgeExpired(sql: SqlStorage, head: number, now: number, auditFlushedSeq: number): void {
  sql.exec("DELETE FROM fanout WHERE seq IN (SELECT seq FROM messages WHERE expires_at <= ? AND seq < ? AND seq <= ?)", now, head, auditFlushedSeq);
  sql.exec("DELETE FROM messages WHERE expires_at <= ? AND seq < ? AND seq <= ?", now, head, auditFlushedSeq);
  sql.exec("UPDATE messages SET body = 'null' WHERE seq = ? AND expires_at <= ? AND body <> 'null' AND seq <= ?", head, now, auditFlushedSeq);
}

export type PendingRequest = {
  requester: string;
  request_id: string;
  responder: string;
  seq: number;
  deadline: number;
};

export function addPendingRequest(sql: SqlStorage, p: PendingRequest): void {
  sql.exec("INSERT OR REPLACE INTO pending_requests (requester, request_id, responder, seq, deadline) VALUES (?, ?, ?, ?, ?)", p.requester, p.request_id, p.responder, p.seq, p.deadline);
}

/** The oldest live request to `responder` with this id (ids are the requesters'; UUIDs in practice). */
export function findPendingForReply(sql: SqlStorage, responder: string, requestId: string, now: number): PendingRequest | null {
  return sql.exec<PendingRequest>("SELECT * FROM pending_requests WHERE responder = ? AND request_id = ? AND deadline > ? ORDER BY seq LIMIT 1", responder, requestId, now).toArray()[0] ?? null;
}

export function deletePendingRequest(sql: SqlStorage, requester: string, requestId: string): void {
  sql.exec("DELETE FROM pending_requests WHERE requester = ? AND request_id = ?", requester, requestId);
}

export function dueRequests(sql: SqlStorage, now: number): PendingRequest[] {
  return sql.exec<PendingRequest>("SELECT * FROM pending_requests WHERE deadline <= ? ORDER BY deadline", now).toArray();
}

export function nextRequestDeadline(sql: SqlStorage): number | null {
  return sql.exec<{ at: number | null }>("SELECT min(deadline) AS at FROM pending_requests").one().at;
}
