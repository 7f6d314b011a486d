/**
 * Segments: the hot window of a chain, cut by time into contiguous seq ranges, each stored as
 * three tables so that expiry is `DROP TABLE` (no per-row deletes: dropping is not metered as rows
 * written) and a segment can be moved whole to a store object when the chain outgrows one
 * object's storage (stores.ts).
 *
 * Per segment k:
 * - `s<k>_blocks`   one row per link (a v2 block, or a v1 entry imported from before the block
 *                   ledger): range, event-time range, the link's hashes, payload size. Narrow, so
 *                   time-range scans and verify walks read few pages.
 * - `s<k>_payloads` the link's entries, gzip JSONL (one `LedgerEntry` per line, exactly the lines
 *                   of an export or archive), keyed like the blocks.
 * - `s<k>_terms`    an FTS5 index with one document per link: the hashed values of its filterable
 *                   fields and event ids (terms.ts). Contentless, no column sizes, no positions.
 * All three are keyed by the link's last seq (`to_seq`), so the link holding seq s is the first
 * row with `to_seq >= s`.
 *
 * The directory `ledger_segments` (root objects only) has one row per segment: written when it
 * opens and when it is sealed, moved or dropped, never per block (the open segment's running
 * figures live in memory and are recomputed from its tables after an eviction).
 */

export type SegmentRow = {
  k: number;
  from_seq: number;
  opened_at: number;
  sealed_at: number | null;
  to_seq: number | null;
  at_min: number | null;
  at_max: number | null;
  bytes: number | null;
  entries: number | null;
  /** Null while the tables are in this object; the store object's name once moved there. */
  store: string | null;
  dropped_at: number | null;
};

export type BlockRow = {
  to_seq: number;
  from_seq: number;
  v: number;
  at_min: number;
  at_max: number;
  prev_hash: string;
  root: string | null;
  hash: string;
  committed_at: number;
  bytes: number;
};

export type BlockWithPayload = BlockRow & {
  payload: Uint8Array;
};

export const DIRECTORY_DDL = `CREATE TABLE IF NOT EXISTS ledger_segments (
  k INTEGER PRIMARY KEY,
  from_seq INTEGER NOT NULL,
  opened_at INTEGER NOT NULL,
  sealed_at INTEGER,
  to_seq INTEGER,
  at_min INTEGER,
  at_max INTEGER,
  bytes INTEGER,
  entries INTEGER,
  store TEXT,
  dropped_at INTEGER
)`;

export const t = {
  blocks: (k: number) => `s${k}_blocks`,
  payloads: (k: number) => `s${k}_payloads`,
  terms: (k: number) => `s${k}_terms`,
};

export function createSegmentTables(sql: SqlStorage, k: number): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS ${t.blocks(k)} (
    to_seq INTEGER PRIMARY KEY,
    from_seq INTEGER NOT NULL,
    v INTEGER NOT NULL,
    at_min INTEGER NOT NULL,
    at_max INTEGER NOT NULL,
    prev_hash TEXT NOT NULL,
    root TEXT,
    hash TEXT NOT NULL,
    committed_at INTEGER NOT NULL,
    bytes INTEGER NOT NULL
  )`);
  sql.exec(`CREATE TABLE IF NOT EXISTS ${t.payloads(k)} (to_seq INTEGER PRIMARY KEY, payload BLOB NOT NULL)`);
  sql.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS ${t.terms(k)} USING fts5(terms, content='', columnsize=0, detail=none, tokenize='ascii')`);
}

/** Expiry and moves: three DROPs, whatever the segment's size. */
export function dropSegmentTables(sql: SqlStorage, k: number): void {
  sql.exec(`DROP TABLE IF EXISTS ${t.terms(k)}`);
  sql.exec(`DROP TABLE IF EXISTS ${t.payloads(k)}`);
  sql.exec(`DROP TABLE IF EXISTS ${t.blocks(k)}`);
}

/** Three rows written per link, whatever its size: block, payload, index document. */
export function insertBlock(sql: SqlStorage, k: number, row: BlockRow, payload: Uint8Array, terms: string): void {
  sql.exec(
    `INSERT INTO ${t.blocks(k)} (to_seq, from_seq, v, at_min, at_max, prev_hash, root, hash, committed_at, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    row.to_seq,
    row.from_seq,
    row.v,
    row.at_min,
    row.at_max,
    row.prev_hash,
    row.root,
    row.hash,
    row.committed_at,
    row.bytes,
  );
  sql.exec(`INSERT INTO ${t.payloads(k)} (to_seq, payload) VALUES (?, ?)`, row.to_seq, payload);
  sql.exec(`INSERT INTO ${t.terms(k)} (rowid, terms) VALUES (?, ?)`, row.to_seq, terms);
}

/** The link holding `seq`, if the segment has it. */
export function blockContaining(sql: SqlStorage, k: number, seq: number): BlockRow | null {
  const row = sql.exec<BlockRow>(`SELECT * FROM ${t.blocks(k)} WHERE to_seq >= ? ORDER BY to_seq LIMIT 1`, seq).toArray()[0];
  return row && row.from_seq <= seq ? row : null;
}

export function payloadOf(sql: SqlStorage, k: number, toSeq: number): Uint8Array | null {
  const row = sql.exec<{ payload: ArrayBuffer }>(`SELECT payload FROM ${t.payloads(k)} WHERE to_seq = ?`, toSeq).toArray()[0];
  return row ? new Uint8Array(row.payload) : null;
}

/**
 * Links in seq order that hold entries after `afterSeq` and start at or before `toSeq`, with their
 * payloads, until `maxBytes` of payload (at least one link). A payload row that is missing (a
 * tampered store) comes back empty; readers treat it as missing entries.
 */
export function blocksFrom(
  sql: SqlStorage,
  k: number,
  afterSeq: number,
  toSeq: number,
  maxBytes: number,
  maxBlocks = 10_000,
): BlockWithPayload[] {
  const out: BlockWithPayload[] = [];
  let bytes = 0;
  const rows = sql.exec<BlockRow & { payload: ArrayBuffer | null }>(
    `SELECT b.*, p.payload AS payload FROM ${t.blocks(k)} b LEFT JOIN ${t.payloads(k)} p ON p.to_seq = b.to_seq WHERE b.to_seq > ? AND b.from_seq <= ? ORDER BY b.to_seq LIMIT ?`,
    afterSeq,
    toSeq,
    maxBlocks,
  );
  for (const row of rows) {
    const payload = row.payload ? new Uint8Array(row.payload) : new Uint8Array(0);
    out.push({ ...row, payload });
    bytes += payload.byteLength;
    if (bytes >= maxBytes) break;
  }
  return out;
}

/** What a segment holds, from its own tables (the open segment's figures after an eviction). */
export function segmentFigures(
  sql: SqlStorage,
  k: number,
): {
  fromSeq: number | null;
  toSeq: number | null;
  atMin: number | null;
  atMax: number | null;
  bytes: number;
  entries: number;
  blocks: number;
} {
  const row = sql
    .exec<{
      from_seq: number | null;
      to_seq: number | null;
      at_min: number | null;
      at_max: number | null;
      bytes: number | null;
      entries: number | null;
      blocks: number;
    }>(
      `SELECT min(from_seq) AS from_seq, max(to_seq) AS to_seq, min(at_min) AS at_min, max(at_max) AS at_max, sum(bytes) AS bytes, sum(to_seq - from_seq + 1) AS entries, count(*) AS blocks FROM ${t.blocks(k)}`,
    )
    .one();
  return {
    fromSeq: row.from_seq,
    toSeq: row.to_seq,
    atMin: row.at_min,
    atMax: row.at_max,
    bytes: row.bytes ?? 0,
    entries: row.entries ?? 0,
    blocks: row.blocks,
  };
}

// ---------------------------------------------------------------- the directory (root objects)

export function segments(sql: SqlStorage): SegmentRow[] {
  return sql.exec<SegmentRow>("SELECT * FROM ledger_segments WHERE dropped_at IS NULL ORDER BY k").toArray();
}

export function openSegmentRow(sql: SqlStorage, k: number, fromSeq: number, now: number): void {
  sql.exec("INSERT INTO ledger_segments (k, from_seq, opened_at) VALUES (?, ?, ?)", k, fromSeq, now);
  createSegmentTables(sql, k);
}

export function sealSegmentRow(sql: SqlStorage, k: number, now: number, figures: ReturnType<typeof segmentFigures>): void {
  sql.exec(
    "UPDATE ledger_segments SET sealed_at = ?, to_seq = ?, at_min = ?, at_max = ?, bytes = ?, entries = ? WHERE k = ?",
    now,
    figures.toSeq,
    figures.atMin,
    figures.atMax,
    figures.bytes,
    figures.entries,
    k,
  );
}

export function markSegmentMoved(sql: SqlStorage, k: number, store: string): void {
  sql.exec("UPDATE ledger_segments SET store = ? WHERE k = ?", store, k);
}

export function markSegmentDropped(sql: SqlStorage, k: number, now: number): void {
  sql.exec("UPDATE ledger_segments SET dropped_at = ? WHERE k = ?", now, k);
}
