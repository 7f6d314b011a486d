/**
 * Relay audit events, flushed to the audit trail in batches by the alarm. Two sources:
 *
 * - Accepted messages: the message row IS the staged event. `flushAccepted` reads the log past
 *   the audit cursor, builds each event from its row with an id derived from (team, seq) — the
 *   same id every time — writes the batch through `emitAuditBatch` and only then moves the
 *   cursor (in memory; persisted lazily, cursors.ts). A repeat after a crash or an eviction
 *   rebuilds the same events with the same ids and the audit trail keeps one of each. The purge
 *   never deletes a message beyond the *persisted* cursor (delivery.ts), so no event is lost to TTL.
 * - Decisions with no message row (denials, subscriptions, the first refusal of a rate-limit
 *   spell) are staged in `audit_outbox` in the same run of code as the decision; `flushStaged`
 *   deletes exactly the rows written, only after the audit trail took them; their ids are fixed at
 *   staging.
 *
 * Either way: at least once + idempotent = exactly once, and eviction between staging and
 * flushing loses nothing because both sources are in SQLite.
 *
 * Bodies are never audited, only `bodySha256` and `bytes` (workers/shared/relay/body-digest.ts
 * says exactly how to recompute them), on accepted and denied messages alike.
 */
import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { emitAuditBatch, type StagedAuditEvent } from "../../workers/shared/audit/emit";
import { recordUsage } from "../../workers/shared/billing/usage";
import { log } from "../../workers/shared/observability/log";
import { derivedId, newId } from "../../workers/shared/crypto/ids";
import { canonicalBody } from "../../workers/shared/relay/body-digest";
import type { StoredMessage } from "./delivery";

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

/** Flushes up to one batch of the outbox; returns how many events were written. Throws if the audit trail refuses (the alarm retries). */
export async function flushStaged(sql: SqlStorage, env: Pick<Env, "DB">, limit = AUDIT_FLUSH_BATCH): Promise<number> {
  const rows = sql.exec<{ id: string; event: string }>("SELECT id, event FROM audit_outbox ORDER BY id LIMIT ?", limit).toArray();
  if (rows.length === 0) return 0;
  await emitAuditBatch(
    env,
    rows.map((r) => JSON.parse(r.event) as StagedAuditEvent),
  );
  // Exactly the rows written (events staged meanwhile stay), in chunks under the bound-parameter limit.
  for (let i = 0; i < rows.length; i += 50) {
    const ids = rows.slice(i, i + 50).map((r) => r.id);
    sql.exec(`DELETE FROM audit_outbox WHERE id IN (${ids.map(() => "?").join(",")})`, ...ids);
  }
  return rows.length;
}

/** `bodySha256` and `bytes` of a body (parsed), as body-digest.ts defines them. Synchronous, so it can sit inside a decision's write. */
export function bodyDigest(body: unknown): { bodySha256: string; bytes: number } {
  const utf8 = Buffer.from(canonicalBody(body), "utf8");
  return { bodySha256: createHash("sha256").update(utf8).digest("hex"), bytes: utf8.byteLength };
}

/** The id of message `seq`'s audit event: the same on every flush of it. */
export function acceptedEventId(teamId: string, seq: number, at: number): string {
  return derivedId("audit", at, createHash("sha256").update(`relay.message_accepted:${teamId}:${seq}`).digest());
}

/**
 * Accepted messages after `from` → one batch of audit events. Returns the last seq sent (the
 * caller moves the cursor to it), or null when there was nothing to flush.
 */
export async function flushAccepted(
  sql: SqlStorage,
  env: Pick<Env, "DB">,
  team: { teamId: string; tenantId: string },
  from: number,
  limit = AUDIT_FLUSH_BATCH,
): Promise<{ last: number; count: number } | null> {
  const rows = sql.exec<StoredMessage>("SELECT * FROM messages WHERE seq > ? ORDER BY seq LIMIT ?", from, limit).toArray();
  if (rows.length === 0) return null;
  const fanned = new Map<number, string[]>();
  const oneToMany = rows.filter((m) => m.recipient === null).map((m) => m.seq);
  if (oneToMany.length > 0) {
    for (const f of sql.exec<{ seq: number; recipient: string }>(
      `SELECT seq, recipient FROM fanout WHERE seq IN (${oneToMany.map(() => "?").join(",")}) ORDER BY seq, recipient`,
      ...oneToMany,
    )) {
      fanned.set(f.seq, [...(fanned.get(f.seq) ?? []), f.recipient]);
    }
  }
  await emitAuditBatch(
    env,
    rows.map((m) => acceptedEvent(team, m, m.recipient !== null ? [m.recipient] : (fanned.get(m.seq) ?? []))),
  );
  await meterAccepted(env, team, rows);
  return { last: rows[rows.length - 1]!.seq, count: rows.length };
}

/**
 * `relay.message_accepted` for a stored message: metadata and the body's digest, never the body.
 * Details: `teamId`, `seq`, `kind`, `clientId`, `to` (every recipient), then by kind `recipient`
 * (direct, request), `topic` (topic), `inReplyTo` + `requestSeq` (reply), `skippedQueueFull`
 * (broadcast/topic recipients left out), and `bodySha256`, `bytes`.
 */
export function acceptedEvent(team: { teamId: string; tenantId: string }, m: StoredMessage, to: string[]): StagedAuditEvent {
  const target =
    m.kind === "direct" || m.kind === "request"
      ? { type: "agent", id: m.recipient! }
      : m.kind === "topic"
        ? { type: "topic", id: m.topic! }
        : { type: "team", id: team.teamId };
  const targetDetails =
    m.kind === "direct" || m.kind === "request"
      ? { recipient: m.recipient }
      : m.kind === "topic"
        ? { topic: m.topic }
        : m.kind === "reply"
          ? { inReplyTo: m.in_reply_to, requestSeq: m.request_seq }
          : {};
  const skipped = m.skipped ? (JSON.parse(m.skipped) as string[]) : [];
  return {
    id: acceptedEventId(team.teamId, m.seq, m.created_at),
    at: m.created_at,
    tenantId: team.tenantId,
    actor: { type: "agent", id: m.sender, name: null },
    action: "relay.message_accepted",
    target,
    details: {
      teamId: team.teamId,
      seq: m.seq,
      kind: m.kind,
      clientId: m.client_id,
      to,
      ...(skipped.length ? { skippedQueueFull: skipped } : {}),
      ...targetDetails,
      ...bodyDigest(JSON.parse(m.body)),
    },
    severity: "info",
    outcome: "success",
    ip: null,
    userAgent: null,
  };
}

/**
 * Billing (docs/billing.md): the flushed messages counted as `relay_messages`, one ordered stream
 * per team and sender, so a flush repeated after an eviction counts nothing twice (the meter keeps
 * the last seq of each source). After the audit write, like the audit cursor: a message is counted
 * once it is in the trail. Fails open: billing must not stop the relay (the next flush's records
 * carry higher seqs; a lost batch is under-counted, never over-counted).
 */
async function meterAccepted(env: Pick<Env, "DB">, team: { teamId: string; tenantId: string }, rows: StoredMessage[]): Promise<void> {
  const meterEnv = env as Partial<Pick<Env, "USAGE_METER">>;
  if (!meterEnv.USAGE_METER) return; // a Worker without billing (the relay benchmark's)
  try {
    await recordUsage(
      { USAGE_METER: meterEnv.USAGE_METER },
      rows.map((m) => ({
        tenantId: team.tenantId,
        agentId: m.sender,
        kind: "relay_messages" as const,
        source: `relay:${team.teamId}:${m.sender}`,
        seq: m.seq,
      })),
    );
  } catch (error) {
    log.warn("relay usage not recorded; the meter did not answer", { teamId: team.teamId, error });
  }
}
