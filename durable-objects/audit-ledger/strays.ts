/**
 * Links found in storage past the head: nothing the ledger wrote (it moves the head in the same
 * transaction as every insert), so someone wrote them to the object's storage directly. Verify
 * reports them as `unexpected_entry`. The next append moves them aside to `ledger_strays` — kept
 * as evidence, still reported by verify — instead of failing on their keys forever.
 */
import { t, type BlockRow } from "./storage/segments";
import { log } from "../../workers/shared/observability/log";

const DDL =
  "CREATE TABLE IF NOT EXISTS ledger_strays (found_at INTEGER NOT NULL, k INTEGER NOT NULL, to_seq INTEGER NOT NULL, from_seq INTEGER NOT NULL, hash TEXT NOT NULL, row TEXT NOT NULL, payload BLOB)";

/** Inside the append's transaction: one indexed read when there is nothing to move. */
export function quarantineStrays(sql: SqlStorage, k: number, headSeq: number, now: number): void {
  const last = sql.exec<{ s: number | null }>(`SELECT max(to_seq) AS s FROM ${t.blocks(k)}`).one().s;
  if (last === null || last <= headSeq) return;
  sql.exec(DDL);
  const rows = sql
    .exec<BlockRow & { payload: ArrayBuffer | null }>(
      `SELECT b.*, p.payload AS payload FROM ${t.blocks(k)} b LEFT JOIN ${t.payloads(k)} p ON p.to_seq = b.to_seq WHERE b.to_seq > ?`,
      headSeq,
    )
    .toArray();
  for (const { payload, ...row } of rows) {
    sql.exec(
      "INSERT INTO ledger_strays (found_at, k, to_seq, from_seq, hash, row, payload) VALUES (?, ?, ?, ?, ?, ?, ?)",
      now,
      k,
      row.to_seq,
      row.from_seq,
      row.hash,
      JSON.stringify(row),
      payload,
    );
  }
  sql.exec(`DELETE FROM ${t.blocks(k)} WHERE to_seq > ?`, headSeq);
  sql.exec(`DELETE FROM ${t.payloads(k)} WHERE to_seq > ?`, headSeq);
  log.error("audit ledger: links past the head moved aside (written outside the ledger)", { k, count: rows.length });
}

export function strayLinks(sql: SqlStorage, localSegments: readonly number[], headSeq: number): Array<{ fromSeq: number; hash: string }> {
  const out: Array<{ fromSeq: number; hash: string }> = [];
  for (const k of localSegments) {
    for (const r of sql.exec<{ from_seq: number; hash: string }>(
      `SELECT from_seq, hash FROM ${t.blocks(k)} WHERE to_seq > ? ORDER BY to_seq LIMIT 10`,
      headSeq,
    ))
      out.push({ fromSeq: r.from_seq, hash: r.hash });
  }
  const quarantined =
    sql.exec<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'ledger_strays'").one().n > 0;
  if (quarantined)
    for (const r of sql.exec<{ from_seq: number; hash: string }>(
      "SELECT from_seq, hash FROM ledger_strays ORDER BY found_at, to_seq LIMIT 10",
    ))
      out.push({ fromSeq: r.from_seq, hash: r.hash });
  return out;
}
