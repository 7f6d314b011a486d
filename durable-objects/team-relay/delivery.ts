/**
 * The team's message log in the relay's SQLite, and the `deliver` frames built from it. Every
 * function here is synchronous: a caller stores a message (and its recipients, its open request)
 * with no `await` in between, so it commits as one and nothing is acknowledged before it is
 * durable (Durable Object output gate). The message row is also the source of its audit event
 * (audit-staging.ts), so a direct message costs exactly one row written.
 *
 * The log has no secondary index (each index entry is billed as a row written): lookups by
 * recipient are range scans on `seq` from a cursor, and the rest is kept in memory (queues.ts,
 * idempotency.ts, requests.ts).
 */
import { requestIdOf, type DeliveryKind } from "../../workers/shared/relay/protocol";

export type StoredMessage = {
  seq: number;
  kind: DeliveryKind;
  sender: string;
  recipient: string | null;
  topic: string | null;
  client_id: string;
  /** Replies: the requester's client id for the request. */
  in_reply_to: string | null;
  /** Replies: the seq of the request answered. */
  request_seq: number | null;
  /** The body as JSON text. */
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
  /** The body as JSON text. */
  body: string;
  /** One recipient of a direct/request/reply → `messages.recipient`; several → `fanout` rows. */
  recipients: string[];
  topic?: string;
  inReplyTo?: string;
  requestSeq?: number;
  skipped?: string[];
  now: number;
  expiresAt: number;
}

const isDirect = (kind: DeliveryKind) => kind === "direct" || kind === "request" || kind === "reply";

export function headSeq(sql: SqlStorage): number {
  return sql.exec<{ head: number | null }>("SELECT max(seq) AS head FROM messages").one().head ?? 0;
}

/** Stores one message under `seq` (the caller's head + 1): one row for a direct one, plus a fanout row per recipient otherwise. */
export function insertMessage(sql: SqlStorage, seq: number, m: NewMessage): void {
  const direct = isDirect(m.kind);
  sql.exec(
    "INSERT INTO messages (seq, kind, sender, recipient, topic, client_id, in_reply_to, request_seq, body, created_at, expires_at, skipped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    seq,
    m.kind,
    m.sender,
    direct ? (m.recipients[0] ?? null) : null,
    m.topic ?? null,
    m.clientId,
    m.inReplyTo ?? null,
    m.requestSeq ?? null,
    m.body,
    m.now,
    m.expiresAt,
    m.skipped?.length ? JSON.stringify(m.skipped) : null,
  );
  if (!direct) for (const r of m.recipients) sql.exec("INSERT INTO fanout (recipient, seq) VALUES (?, ?)", r, seq);
}

/**
 * The `deliver` frame's JSON text, built around the body's stored JSON text (no parse and
 * re-serialisation of the body). A request is delivered under the relay's id for it (`req-<seq>`),
 * which is what a reply must name. `to`: the observers' copy names the recipients.
 */
export function deliverText(
  m: Pick<StoredMessage, "seq" | "kind" | "sender" | "topic" | "client_id" | "in_reply_to" | "request_seq" | "body">,
  to?: readonly string[],
): string {
  const id = m.kind === "request" ? requestIdOf(m.seq) : m.client_id;
  let text = `{"type":"deliver","seq":${m.seq},"from":${JSON.stringify(m.sender)},"kind":"${m.kind}","body":${m.body},"id":${JSON.stringify(id)}`;
  if (m.topic !== null) text += `,"topic":${JSON.stringify(m.topic)}`;
  if (m.in_reply_to !== null) text += `,"inReplyTo":${JSON.stringify(m.in_reply_to)}`;
  if (m.request_seq !== null) text += `,"requestSeq":${m.request_seq}`;
  if (to) text += `,"to":${JSON.stringify(to)}`;
  return `${text}}`;
}

/** Up to `limit` unexpired messages for `agentId` after `after`, oldest first: one page of a replay. */
export function replayPage(sql: SqlStorage, agentId: string, after: number, now: number, limit: number): StoredMessage[] {
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

/** A scan of the log (no expiry index): done at most once per purge interval, off the message path. */
export function nextExpiry(sql: SqlStorage, head: number): number | null {
  return sql.exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM messages WHERE seq < ?", head).one().at;
}

/**
 * Deletes expired messages and their fanout rows — except the newest message, whose seq is the
 * head: keeping it means max(seq) never goes backwards, so seqs are never reused. Its body is
 * blanked instead once it expires (no one can be sent it any more). Nothing beyond the audit
 * cursor *as persisted* is touched: a message is its own audit record until its event is flushed
 * and that fact is stored. Returns the oldest seq left.
 */
export function purgeExpired(sql: SqlStorage, head: number, now: number, persistedAuditSeq: number): number {
  sql.exec(
    "DELETE FROM fanout WHERE seq IN (SELECT seq FROM messages WHERE expires_at <= ? AND seq < ? AND seq <= ?)",
    now,
    head,
    persistedAuditSeq,
  );
  sql.exec("DELETE FROM messages WHERE expires_at <= ? AND seq < ? AND seq <= ?", now, head, persistedAuditSeq);
  sql.exec(
    "UPDATE messages SET body = 'null' WHERE seq = ? AND expires_at <= ? AND body <> 'null' AND seq <= ?",
    head,
    now,
    persistedAuditSeq,
  );
  return sql.exec<{ seq: number | null }>("SELECT min(seq) AS seq FROM messages").one().seq ?? head;
}
