/**
 * Where each agent has acknowledged up to, and how far the audit flush has gone — kept in memory
 * and persisted *lazily*, all in one `meta` row (`cursors`: `{"audit": n, "acks": {agentId: seq}}`),
 * because a row written per ack and per flush would cost more than the messages themselves
 * (a quiet team acks and flushes every message on its own: docs/cost.md).
 *
 * When the row is written: at most once per `limits.cursorPersistMs` (a minute) by the alarm when
 * something changed, and when an agent's last connection closes with an ack not yet persisted. Besides, each
 * ack is copied into the attachment of the socket it came on (free: not a storage write), so an
 * eviction with connections open loses nothing — the woken relay takes the highest of the row and
 * the attachments.
 *
 * What a lost update costs (a crash, or an eviction with the agent offline and the row not yet
 * written), both documented and idempotent:
 * - an ack: the agent's next `hello` replays from the persisted cursor — unless its `resumeFrom`
 *   says more (the SDK's does) — and clients skip seqs they already processed (docs/protocol.md);
 * - the audit cursor: the alarm sends again the events after the persisted cursor; they carry ids
 *   derived from (team, seq), so the audit trail keeps one of each (docs/relay.md "Audit").
 * Messages are never purged beyond the *persisted* audit cursor, so no audit event can be lost.
 */
interface Stored {
  audit: number;
  acks: Record<string, number>;
}

export class Cursors {
  private readonly acks = new Map<string, number>();
  /** Audit events of every message up to here are in the audit trail (in memory; may be ahead of the row). */
  private auditSeq: number;
  /** What the row says: the purge never goes beyond `persisted.audit`. */
  private persisted: Stored;
  private lastPersistAt: number;
  private changed = false;

  constructor(
    private readonly sql: SqlStorage,
    now: number,
  ) {
    const raw = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'cursors'").toArray()[0]?.value;
    this.persisted = raw ? (JSON.parse(raw) as Stored) : { audit: 0, acks: {} };
    this.auditSeq = this.persisted.audit;
    for (const [agentId, seq] of Object.entries(this.persisted.acks)) this.acks.set(agentId, seq);
    this.lastPersistAt = now;
  }

  acked(agentId: string): number {
    return this.acks.get(agentId) ?? 0;
  }

  /** Moves an agent's cursor forward (acks are cumulative: an old one changes nothing). Returns true if it moved. */
  ack(agentId: string, seq: number): boolean {
    if (seq <= (this.acks.get(agentId) ?? 0)) return false;
    this.acks.set(agentId, seq);
    this.changed = true;
    return true;
  }

  get audit(): number {
    return this.auditSeq;
  }

  /** The audit cursor as stored: what the purge may go up to. */
  get persistedAudit(): number {
    return this.persisted.audit;
  }

  auditFlushedTo(seq: number): void {
    if (seq <= this.auditSeq) return;
    this.auditSeq = seq;
    this.changed = true;
  }

  /** For tests: forgets what the audit flush did since the row was written (what a crash does). */
  forgetUnpersistedAudit(): void {
    this.auditSeq = this.persisted.audit;
  }

  /** Whether the row is behind and was written at least `intervalMs` ago. */
  due(now: number, intervalMs: number): boolean {
    return this.changed && now - this.lastPersistAt >= intervalMs;
  }

  /** Whether this agent's ack is not yet in the row. */
  unpersistedAck(agentId: string): boolean {
    return (this.acks.get(agentId) ?? 0) > (this.persisted.acks[agentId] ?? 0);
  }

  /** Writes the row (one row written) if anything changed. */
  persist(now: number): boolean {
    this.lastPersistAt = now;
    if (!this.changed) return false;
    const next: Stored = { audit: this.auditSeq, acks: Object.fromEntries(this.acks) };
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES ('cursors', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      JSON.stringify(next),
    );
    this.persisted = next;
    this.changed = false;
    return true;
  }

  /** The agent left the team. */
  forget(agentId: string): void {
    if (this.acks.delete(agentId)) this.changed = true;
  }
}
