/**
 * The relay's one alarm, set to the earliest of: the audit flush (`auditFlushDelayMs` after the
 * first unflushed decision; at once while a backlog is left after a run), and the next request
 * deadline. A run (1) sends `timeout` for due requests and closes them, (2) flushes audit events in
 * batches through `emitAuditBatch`, (3) seals complete idempotency segments, (4) persists the
 * cursors row when it is due (cursors.ts), (5) purges expired messages at or below the persisted
 * audit cursor, at most once per `purgeIntervalMs` — then re-arms itself only for work that is
 * waiting. The purge alone never re-arms it: an alarm is billed as a row written, and a team that
 * sends one message every few seconds would pay two per message; expired messages are never
 * delivered, and the next run (or the next start) purges them.
 *
 * Alarms run at least once, so every step is idempotent: a due request is closed as its timeout
 * is sent; a repeated flush rebuilds the same events with the same ids, and the audit trail keeps
 * one of each.
 */
import { AUDIT_FLUSH_BATCH, flushAccepted, flushStaged, stagedCount } from "./audit-staging";
import { sendText } from "./connections";
import { purgeExpired } from "./delivery";
import type { RelayCore } from "./relay-core";

/** At most this many batches per run keeps one run short; a backlog left after them gets an alarm at once. */
const BATCHES_PER_RUN = 10;

export async function runAlarm(core: RelayCore): Promise<void> {
  core.alarmAt = null;
  const now = Date.now();
  for (const r of core.requests.due(now)) {
    core.requests.close(r.seq);
    core.replyWaiters.get(r.seq)?.(null);
    const text = JSON.stringify({ type: "timeout", id: r.requestId });
    for (const ws of core.connections.live(r.requester) ?? []) sendText(ws, text);
  }
  const team = { teamId: core.teamId, tenantId: core.tenantId };
  let backlog = false;
  for (let i = 0; i < BATCHES_PER_RUN; i++) {
    const staged = await flushStaged(core.sql, core.env);
    const accepted = await flushAccepted(core.sql, core.env, team, core.cursors.audit);
    if (accepted) core.cursors.auditFlushedTo(accepted.last);
    core.counters.auditFlushed += staged + (accepted?.count ?? 0);
    backlog = staged >= AUDIT_FLUSH_BATCH || (accepted?.count ?? 0) >= AUDIT_FLUSH_BATCH;
    if (!backlog) break;
  }
  core.idempotency.seal(core.head);
  const later = Date.now();
  if (core.cursors.due(later, core.limits.cursorPersistMs)) core.cursors.persist(later);
  const expiry = core.nextExpiry();
  if (expiry !== null && expiry <= later && later - core.lastPurgeAt >= core.limits.purgeIntervalMs) {
    // Only what the stored audit cursor covers may go: write it first if the flush moved it.
    core.cursors.persist(later);
    const oldest = purgeExpired(core.sql, core.head, later, core.cursors.persistedAudit);
    core.idempotency.purgedBelow(oldest);
    core.lastPurgeAt = later;
    core.purged();
  }
  reschedule(core, backlog);
}

/** Arms the alarm for what is waiting: unflushed audit events, open requests. */
export function reschedule(core: RelayCore, backlog = false): void {
  const now = Date.now();
  const unflushed = core.cursors.audit < core.head || stagedCount(core.sql) > 0;
  if (unflushed && backlog) return core.wakeAt(now);
  const candidates = [unflushed ? now + core.limits.auditFlushDelayMs : null, core.requests.nextDeadline()].filter(
    (t): t is number => t !== null,
  );
  if (candidates.length > 0) core.wakeAt(Math.max(now, Math.min(...candidates)));
}
