/**
 * Tampering with a ledger's storage the way someone with write access to the Durable Object's
 * SQLite could: editing a stored entry (with or without recomputing its hashes), deleting,
 * swapping or forging links, rewriting the head. For the tests that prove verify, the archiver
 * and the offline verifier notice. Evicts the object afterwards, so no in-memory copy hides the
 * change from the next call (the head is reloaded from storage, like after any restart).
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { AuditLedger } from "../../durable-objects/audit-ledger";
import type { BlockRow } from "../../durable-objects/audit-ledger/storage/segments";
import { type LedgerEntry, type LedgerEntryV2 } from "../../workers/shared/audit/chain";
import { blockHashSync, hashEntrySync, merkleRootSync } from "../../workers/shared/audit/chain-hash-node";
import { ledgerFor } from "../../workers/shared/audit/emit";
import { encodePayload, payloadEntries } from "../../workers/shared/audit/payload";

export interface StoredLinkView {
  k: number;
  row: BlockRow;
  entries: LedgerEntry[];
}

export class LedgerStorage {
  constructor(readonly sql: SqlStorage) {}

  /** The segment (local) whose range holds `seq`. */
  segmentOf(seq: number): number {
    const rows = this.sql
      .exec<{ k: number; from_seq: number }>(
        "SELECT k, from_seq FROM ledger_segments WHERE dropped_at IS NULL AND store IS NULL ORDER BY k",
      )
      .toArray();
    const seg = rows.filter((r) => r.from_seq <= seq).at(-1);
    if (!seg) throw new Error(`no local segment holds seq ${seq}`);
    return seg.k;
  }

  link(seq: number): StoredLinkView {
    const k = this.segmentOf(seq);
    const row = this.sql.exec<BlockRow>(`SELECT * FROM s${k}_blocks WHERE to_seq >= ? ORDER BY to_seq LIMIT 1`, seq).toArray()[0];
    if (!row || row.from_seq > seq) throw new Error(`no link holds seq ${seq}`);
    const payload = this.sql
      .exec<{ payload: ArrayBuffer }>(`SELECT payload FROM s${k}_payloads WHERE to_seq = ?`, row.to_seq)
      .one().payload;
    return { k, row, entries: payloadEntries(new Uint8Array(payload)) };
  }

  /** Replaces a link's stored payload (and its row's hash columns), keyed by the link's to_seq. */
  writeLink(link: StoredLinkView, entries: LedgerEntry[], row: Partial<BlockRow> = {}): void {
    const payload = encodePayload(entries);
    this.sql.exec(`UPDATE s${link.k}_payloads SET payload = ? WHERE to_seq = ?`, payload, link.row.to_seq);
    const next = { ...link.row, ...row, bytes: payload.byteLength };
    this.sql.exec(
      `UPDATE s${link.k}_blocks SET prev_hash = ?, root = ?, hash = ?, bytes = ? WHERE to_seq = ?`,
      next.prev_hash,
      next.root,
      next.hash,
      next.bytes,
      link.row.to_seq,
    );
  }

  /** Edits the entry at `seq`. `rehash`: "none" leaves every hash; "leaf" recomputes its own hash; "block" also the block's root and hash. */
  editEntry(seq: number, edit: (e: LedgerEntry) => LedgerEntry, rehash: "none" | "leaf" | "block" = "none"): StoredLinkView {
    const link = this.link(seq);
    let entries = link.entries.map((e) => (e.seq === seq ? edit(e) : e));
    if (rehash !== "none") entries = entries.map((e) => (e.seq === seq ? { ...e, hash: hashEntrySync(e) } : e));
    if (rehash === "block") return this.rehashBlock(link, entries as LedgerEntryV2[], (entries[0] as LedgerEntryV2).block.prevHash);
    this.writeLink(link, entries);
    return link;
  }

  /** Recomputes a v2 block's root and hash over `entries` with the given prevHash, and stores it. */
  rehashBlock(link: StoredLinkView, entries: LedgerEntryV2[], prevHash: string): StoredLinkView {
    const chainId = entries[0]!.chainId;
    const fromSeq = entries[0]!.seq;
    const toSeq = entries[entries.length - 1]!.seq;
    const root = merkleRootSync(entries.map((e) => e.hash));
    const hash = blockHashSync({ chainId, fromSeq, toSeq, prevHash, root });
    const block = { fromSeq, toSeq, prevHash, root, hash };
    const rewritten = entries.map((e) => ({ ...e, block }));
    this.writeLink(link, rewritten, { prev_hash: prevHash, root, hash });
    return { ...link, row: { ...link.row, prev_hash: prevHash, root, hash }, entries: rewritten };
  }

  deleteLink(seq: number): void {
    const { k, row } = this.link(seq);
    this.sql.exec(`DELETE FROM s${k}_blocks WHERE to_seq = ?`, row.to_seq);
    this.sql.exec(`DELETE FROM s${k}_payloads WHERE to_seq = ?`, row.to_seq);
  }

  /** Stores a whole new link (v2 entries with their block) in the segment of its seq. */
  insertLink(entries: LedgerEntryV2[]): void {
    const first = entries[0]!;
    const last = entries[entries.length - 1]!;
    const k = this.segmentOf(first.seq);
    const payload = encodePayload(entries);
    this.sql.exec(
      `INSERT INTO s${k}_blocks (to_seq, from_seq, v, at_min, at_max, prev_hash, root, hash, committed_at, bytes) VALUES (?, ?, 2, ?, ?, ?, ?, ?, ?, ?)`,
      last.seq,
      first.seq,
      first.at,
      last.at,
      first.block.prevHash,
      first.block.root,
      first.block.hash,
      Date.now(),
      payload.byteLength,
    );
    this.sql.exec(`INSERT INTO s${k}_payloads (to_seq, payload) VALUES (?, ?)`, last.seq, payload);
  }

  setHead(seq: number, hash: string): void {
    this.sql.exec("UPDATE ledger_meta SET value = ? WHERE key = 'head'", JSON.stringify({ seq, hash }));
  }
}

/** A forged v2 block of one entry after `prev` (a link hash and seq), with valid hashes. */
export function forgeBlock(template: LedgerEntry, seq: number, prevHash: string, action = "money.moved"): LedgerEntryV2[] {
  const { hash: _h, ...rest } = template as LedgerEntryV2;
  const leaf = { ...rest, v: 2 as const, seq, id: `aud_FORGED${seq}`, action, at: template.at + 1 };
  delete (leaf as { block?: unknown; prevHash?: unknown }).block;
  delete (leaf as { prevHash?: unknown }).prevHash;
  const hash = hashEntrySync(leaf as never);
  const root = merkleRootSync([hash]);
  const block = {
    fromSeq: seq,
    toSeq: seq,
    prevHash,
    root,
    hash: blockHashSync({ chainId: template.chainId, fromSeq: seq, toSeq: seq, prevHash, root }),
  };
  return [{ ...(leaf as Omit<LedgerEntryV2, "hash" | "block">), hash, block }];
}

/** Runs `fn` against the chain's ledger storage, then evicts the object. */
export async function tamper<T>(chainId: string, fn: (db: LedgerStorage) => T): Promise<T> {
  const stub = ledgerFor(env, chainId);
  const result = await runInDurableObject(stub, (_: AuditLedger, state) => fn(new LedgerStorage(state.storage.sql)));
  await evictDurableObject(stub);
  return result;
}
