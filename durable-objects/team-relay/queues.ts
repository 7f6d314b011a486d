/**
 * Unacknowledged messages per recipient, for the queue cap: the seqs waiting for each agent, in
 * memory, so that checking the cap, accepting a message (+1) and an ack (drop what it covers) cost
 * no SQL. An agent's list is built on first use after a start (or a purge) by one range scan from
 * its cursor — what the agent has waiting, not the team's whole log — and is bounded by the cap.
 *
 * Expired messages still count until the next purge (at most PURGE_INTERVAL later): they are
 * never delivered, and the cap only has to bound what a recipient can pile up.
 */
export class Queues {
  private readonly waiting = new Map<string, { seqs: number[]; start: number }>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly cursorOf: (agentId: string) => number,
  ) {}

  length(agentId: string, now: number): number {
    const q = this.waiting.get(agentId) ?? this.load(agentId, now);
    return q.seqs.length - q.start;
  }

  /** A message for `agentId` was stored (after its write committed). */
  pushed(agentId: string, seq: number): void {
    this.waiting.get(agentId)?.seqs.push(seq);
  }

  /** The agent acknowledged everything up to `seq`. */
  acked(agentId: string, seq: number): void {
    const q = this.waiting.get(agentId);
    if (!q) return;
    while (q.start < q.seqs.length && q.seqs[q.start]! <= seq) q.start++;
    if (q.start > 256 && q.start * 2 > q.seqs.length) {
      q.seqs = q.seqs.slice(q.start);
      q.start = 0;
    }
  }

  /** Messages left the log: every list is rebuilt on its next use. */
  purged(): void {
    this.waiting.clear();
  }

  forget(agentId: string): void {
    this.waiting.delete(agentId);
  }

  private load(agentId: string, now: number): { seqs: number[]; start: number } {
    const after = this.cursorOf(agentId);
    const seqs = this.sql
      .exec<{ seq: number }>(
        `SELECT seq FROM messages WHERE recipient = ?1 AND seq > ?2 AND expires_at > ?3
         UNION ALL
         SELECT f.seq FROM fanout f JOIN messages m ON m.seq = f.seq WHERE f.recipient = ?1 AND f.seq > ?2 AND m.expires_at > ?3
         ORDER BY seq`,
        agentId,
        after,
        now,
      )
      .toArray()
      .map((r) => r.seq);
    const q = { seqs, start: 0 };
    this.waiting.set(agentId, q);
    return q;
  }
}
