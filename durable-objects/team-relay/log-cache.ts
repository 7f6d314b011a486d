/**
 * In-memory caches over the message log, so that the log can do without secondary indexes (each
 * index entry is billed as one more row written per message). Every cache here is rebuilt from
 * SQL when missing — after an eviction, a restart, or a purge — so none of it has to survive.
 *
 * - Idempotency: a set of 53-bit hashes of (sender, client id) of every stored message, built by
 *   one scan of the log on first use. A miss — every new message — needs no SQL at all; a hit
 *   (a genuine retry, or a rare hash collision) is confirmed by a scan of the log.
 * - Queue lengths: unacknowledged messages per recipient (for the queue cap), counted by a range
 *   scan from the recipient's cursor on first use, then kept by +1 per accepted message; an ack
 *   or a purge drops the count so the next use recounts.
 * - Next expiry: the earliest `expires_at` in the log (for the alarm), kept by min() per insert.
 *
 * Memory: ~50 bytes per stored message for the hash set (1M messages in the TTL window ≈ 50 MB).
 */
export class LogCache {
  private ids: Set<number> | null = null;
  private readonly queued = new Map<string, number>();
  private expiry: { at: number | null } | null = null;

  constructor(private readonly sql: () => SqlStorage) {}

  /** False: certainly never stored. True: maybe (confirm with SQL). */
  mightContain(sender: string, clientId: string): boolean {
    return this.idSet().has(idHash(sender, clientId));
  }

  queueLength(agentId: string, count: () => number): number {
    let n = this.queued.get(agentId);
    if (n === undefined) this.queued.set(agentId, (n = count()));
    return n;
  }

  /** Call after the message's write committed. */
  accepted(sender: string, clientId: string, recipients: readonly string[], expiresAt: number): void {
    this.ids?.add(idHash(sender, clientId));
    for (const r of recipients) {
      const n = this.queued.get(r);
      if (n !== undefined) this.queued.set(r, n + 1);
    }
    if (this.expiry) this.expiry = { at: this.expiry.at === null ? expiresAt : Math.min(this.expiry.at, expiresAt) };
  }

  acked(agentId: string): void {
    this.queued.delete(agentId);
  }

  nextExpiry(scan: () => number | null): number | null {
    if (!this.expiry) this.expiry = { at: scan() };
    return this.expiry.at;
  }

  /** Rows left the log: every cache recounts on its next use. */
  purged(): void {
    this.ids = null;
    this.queued.clear();
    this.expiry = null;
  }

  private idSet(): Set<number> {
    if (!this.ids) {
      this.ids = new Set();
      for (const row of this.sql().exec<{ sender: string; client_id: string }>("SELECT sender, client_id FROM messages")) this.ids.add(idHash(row.sender, row.client_id));
    }
    return this.ids;
  }
}

/** cyrb53: a fast 53-bit string hash (fits a JS number exactly). Not cryptographic: hits are confirmed in SQL. */
export function idHash(sender: string, clientId: string): number {
  const s = `${sender}\n${clientId}`;
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
