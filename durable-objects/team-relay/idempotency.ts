/**
 * Idempotent sends: has this sender already stored a message under this client id (while the
 * original is still in the log)? The log has no index on (sender, client id) — every index entry
 * is billed as one more row written per message — and a woken relay must answer its first frame
 * in a few milliseconds whatever the size of its log, so neither "index it" nor "scan the log on
 * wake" will do. Hand-written because no library covers an index that must cost no row per insert
 * and load in O(1) rows; the idea is an LSM tree's sorted runs with a memtable in front:
 *
 * - The log is cut into segments of IDEMPOTENCY_SEGMENT seqs. Messages of the current, unsealed
 *   segment (the *tail*) are known in memory by a 53-bit hash of (sender, client id) → seq.
 * - When the head passes a segment's end, the alarm *seals* it: the sorted 32-bit hashes of its
 *   messages become one row of `idem_segments` (4 bytes a message; one row written per segment,
 *   i.e. 1/IDEMPOTENCY_SEGMENT rows per message).
 * - A woken relay reads the sealed rows as they are (blobs, no per-message work) and rebuilds only
 *   the tail from the log: at most one segment plus what arrived since the last alarm. Wake-up cost
 *   is O(number of segments) blob reads + O(IDEMPOTENCY_SEGMENT) rows, not O(log).
 *
 * A lookup checks the tail map, then binary-searches each sealed segment. A hit is only a
 * candidate (hashes collide: about n / 2³² per lookup for n stored messages) and is confirmed in
 * SQL — by primary key for the tail, by a scan of that one segment's seq range for sealed ones.
 * Retries (and rare collisions) pay that; new messages, the common case, never touch SQL.
 *
 * Purging expired messages leaves their hashes in sealed rows: harmless (a later candidate is
 * confirmed in SQL and found absent); segments wholly below the oldest stored seq are dropped.
 */
export const IDEMPOTENCY_SEGMENT = 1024;

const segmentOf = (seq: number) => Math.floor((seq - 1) / IDEMPOTENCY_SEGMENT);
const segmentRange = (segment: number) => ({ from: segment * IDEMPOTENCY_SEGMENT + 1, to: (segment + 1) * IDEMPOTENCY_SEGMENT });

/** Sorted hashes, each with the segment it came from (a merged run of several sealed segments). */
interface Run {
  hashes: Uint32Array;
  segments: Uint32Array;
}

/** How many sealed segments may wait unmerged before the alarm merges them into the run. */
const MERGE_AFTER = 8;

export class IdempotencyIndex {
  /** Sealed segments merged into one run (by the alarm), and those sealed since (each sorted). */
  private run: Run = { hashes: new Uint32Array(0), segments: new Uint32Array(0) };
  private readonly recent: Array<{ segment: number; hashes: Uint32Array }> = [];
  /** Every seq ≤ this is in a sealed segment. */
  private sealedThrough = 0;
  /** Segments below this hold only purged messages (their hashes may linger in the run until the next merge). */
  private liveFrom = 0;
  /** Unsealed messages: 53-bit hash → seq (a list in the rare case two share a hash). */
  private readonly tail = new Map<number, number | number[]>();

  /**
   * Reads the sealed segments as stored (blobs: no per-message work) and rebuilds the tail from
   * the log (seqs after the last sealed segment). Merging them is left to the alarm.
   */
  constructor(private readonly sql: SqlStorage) {
    for (const row of sql.exec<{ segment: number; hashes: ArrayBuffer }>("SELECT segment, hashes FROM idem_segments ORDER BY segment")) {
      this.recent.push({ segment: row.segment, hashes: new Uint32Array(row.hashes) });
      this.sealedThrough = segmentRange(row.segment).to;
    }
    if (this.recent.length > 0) this.liveFrom = this.recent[0]!.segment;
    for (const row of sql.exec<{ seq: number; sender: string; client_id: string }>(
      "SELECT seq, sender, client_id FROM messages WHERE seq > ?",
      this.sealedThrough,
    )) {
      this.remember(idHash(row.sender, row.client_id), row.seq);
    }
  }

  /** The seq of the stored message `sender` sent under `clientId`, or null. */
  find(sender: string, clientId: string): number | null {
    const h = idHash(sender, clientId);
    const inTail = this.tail.get(h);
    if (inTail !== undefined) {
      for (const seq of typeof inTail === "number" ? [inTail] : inTail) {
        const row = this.sql
          .exec<{ sender: string; client_id: string }>("SELECT sender, client_id FROM messages WHERE seq = ?", seq)
          .toArray()[0];
        if (row && row.sender === sender && row.client_id === clientId) return seq;
      }
    }
    const h32 = h >>> 0;
    for (let i = lowerBound(this.run.hashes, h32); i < this.run.hashes.length && this.run.hashes[i] === h32; i++) {
      const seq = this.confirmIn(this.run.segments[i]!, sender, clientId);
      if (seq !== null) return seq;
    }
    for (const { segment, hashes } of this.recent) {
      const i = lowerBound(hashes, h32);
      if (i < hashes.length && hashes[i] === h32) {
        const seq = this.confirmIn(segment, sender, clientId);
        if (seq !== null) return seq;
      }
    }
    return null;
  }

  /** Call once the message's write has committed. */
  add(sender: string, clientId: string, seq: number): void {
    this.remember(idHash(sender, clientId), seq);
  }

  /**
   * Seals every complete segment of the tail (head at or past its end): one row written each, then
   * merges the sealed segments in memory once enough wait. Runs in the alarm, off the message path.
   * Returns how many segments were sealed.
   */
  seal(head: number): number {
    const done = segmentOf(head + 1) - 1; // the last segment whose end ≤ head
    const first = this.sealedThrough / IDEMPOTENCY_SEGMENT;
    if (done < first) return 0;
    const bySegment = new Map<number, number[]>();
    for (const [h, seqs] of this.tail) {
      for (const seq of typeof seqs === "number" ? [seqs] : seqs) {
        const segment = segmentOf(seq);
        if (segment > done) continue;
        const list = bySegment.get(segment);
        if (list) list.push(h >>> 0);
        else bySegment.set(segment, [h >>> 0]);
      }
    }
    for (let segment = first; segment <= done; segment++) {
      const hashes = Uint32Array.from(bySegment.get(segment) ?? []).sort();
      this.sql.exec("INSERT OR REPLACE INTO idem_segments (segment, hashes) VALUES (?, ?)", segment, hashes.buffer);
      this.recent.push({ segment, hashes });
    }
    this.sealedThrough = segmentRange(done).to;
    for (const [h, seqs] of this.tail) {
      const kept = (typeof seqs === "number" ? [seqs] : seqs).filter((s) => s > this.sealedThrough);
      if (kept.length === 0) this.tail.delete(h);
      else this.tail.set(h, kept.length === 1 ? kept[0]! : kept);
    }
    if (this.recent.length >= MERGE_AFTER) this.merge();
    return done - first + 1;
  }

  /** After a purge: forgets segments that end before the oldest stored seq (rows now, memory at the next merge). */
  purgedBelow(oldestSeq: number): void {
    const keepFrom = segmentOf(oldestSeq);
    if (keepFrom <= this.liveFrom) return;
    this.liveFrom = keepFrom;
    this.sql.exec("DELETE FROM idem_segments WHERE segment < ?", keepFrom);
    while (this.recent.length > 0 && this.recent[0]!.segment < keepFrom) this.recent.shift();
  }

  /** For tests and stats. */
  shape(): { runEntries: number; recentSegments: number; sealedThrough: number; tail: number } {
    return {
      runEntries: this.run.hashes.length,
      recentSegments: this.recent.length,
      sealedThrough: this.sealedThrough,
      tail: this.tail.size,
    };
  }

  /** Merges the recent segments into the run (linear: every input is sorted), dropping purged segments. */
  private merge(): void {
    let merged = this.keepLive(this.run);
    for (const { segment, hashes } of this.recent)
      merged = mergeRuns(merged, { hashes, segments: new Uint32Array(hashes.length).fill(segment) });
    this.run = merged;
    this.recent.length = 0;
  }

  private keepLive(run: Run): Run {
    let stale = 0;
    for (const s of run.segments) if (s < this.liveFrom) stale++;
    if (stale === 0) return run;
    const hashes: number[] = [];
    const segments: number[] = [];
    for (let i = 0; i < run.hashes.length; i++) {
      if (run.segments[i]! < this.liveFrom) continue;
      hashes.push(run.hashes[i]!);
      segments.push(run.segments[i]!);
    }
    return { hashes: Uint32Array.from(hashes), segments: Uint32Array.from(segments) };
  }

  private confirmIn(segment: number, sender: string, clientId: string): number | null {
    const { from, to } = segmentRange(segment);
    const row = this.sql
      .exec<{ seq: number }>(
        "SELECT seq FROM messages WHERE seq BETWEEN ? AND ? AND sender = ? AND client_id = ? LIMIT 1",
        from,
        to,
        sender,
        clientId,
      )
      .toArray()[0];
    return row?.seq ?? null;
  }

  private remember(h: number, seq: number): void {
    const existing = this.tail.get(h);
    if (existing === undefined) this.tail.set(h, seq);
    else this.tail.set(h, [...(typeof existing === "number" ? [existing] : existing), seq]);
  }
}

function mergeRuns(a: Run, b: Run): Run {
  const n = a.hashes.length + b.hashes.length;
  const hashes = new Uint32Array(n);
  const segments = new Uint32Array(n);
  let i = 0;
  let j = 0;
  for (let k = 0; k < n; k++) {
    if (j >= b.hashes.length || (i < a.hashes.length && a.hashes[i]! <= b.hashes[j]!)) {
      hashes[k] = a.hashes[i]!;
      segments[k] = a.segments[i++]!;
    } else {
      hashes[k] = b.hashes[j]!;
      segments[k] = b.segments[j++]!;
    }
  }
  return { hashes, segments };
}

/** The first index whose value is ≥ `value` (the array's length if none). */
function lowerBound(sorted: Uint32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** cyrb53: a fast 53-bit string hash (fits a JS number exactly). Not cryptographic: hits are confirmed in SQL. */
export function idHash(sender: string, clientId: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < sender.length; i++) {
    const ch = sender.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  // A separator no agent id contains, so ("ab","c") and ("a","bc") differ.
  h1 = Math.imul(h1 ^ 10, 2654435761);
  h2 = Math.imul(h2 ^ 10, 1597334677);
  for (let i = 0; i < clientId.length; i++) {
    const ch = clientId.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
