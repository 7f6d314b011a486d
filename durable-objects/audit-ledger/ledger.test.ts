/**
 * The AuditLedger in workerd: gapless and fork-free under concurrent emitters, one block per
 * append, idempotent retries, atomic appends, nothing lost or duplicated across eviction, reads
 * right after the ack, segments sealed and dropped whole, and what an append costs in rows.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  asyncChainHasher,
  blockHash,
  GENESIS_HASH,
  hashEntry,
  merkleRoot,
  verifyChain,
  type LedgerEntry,
  type LedgerEntryV2,
} from "../../workers/shared/audit/chain";
import { blockHashSync, hashEntrySync, merkleRootSync, syncChainHasher } from "../../workers/shared/audit/chain-hash-node";
import { emitAudit, emitAuditBatch, ledgerFor, type AuditEvent, type StagedAuditEvent } from "../../workers/shared/audit/emit";
import { newId } from "../../workers/shared/crypto/ids";
import { chainEntries } from "../../test/workers/audit-view";
import type { AuditLedger } from "./audit-ledger";
import { MAX_BLOCK_ENTRIES } from "./append";
import { toLeaf } from "./links";

let n = 0;
function chain(label: string): string {
  return `ten_ledger_${label}_${Date.now().toString(36)}_${++n}`;
}

function event(tenantId: string | null, action = "thing.done", extra: Partial<AuditEvent> = {}): AuditEvent {
  return {
    tenantId,
    actor: { type: "user", id: "usr_1", name: "a@example.test" },
    action,
    ip: "203.0.113.9",
    userAgent: "vitest",
    ...extra,
  };
}

function staged(tenantId: string, action = "relay.message_accepted", extra: Partial<AuditEvent> = {}): StagedAuditEvent {
  const at = Date.now();
  return { ...event(tenantId, action, { actor: { type: "agent", id: "agt_1", name: null }, ...extra }), id: newId("audit", at), at };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

describe("hashing", () => {
  it("the synchronous node:crypto hashes equal chain.ts's WebCrypto ones: leaves, roots of 1…9 leaves, block headers", async () => {
    const leaf = toLeaf("ten_x", 7, {
      id: "aud_1",
      at: 1_700_000_000_000,
      event: event("ten_x", "a.b", { details: { z: 1, a: [1, "é", { y: null }], n: 1e21 } }),
    });
    expect(hashEntrySync(leaf)).toBe(await hashEntry(leaf));
    for (let size = 1; size <= 9; size++) {
      const leaves = Array.from({ length: size }, (_, i) => hashEntrySync({ ...leaf, seq: i + 1 }));
      expect(merkleRootSync(leaves)).toBe(await merkleRoot(leaves));
    }
    const header = { chainId: "ten_x", fromSeq: 3, toSeq: 9, prevHash: GENESIS_HASH, root: "ab".repeat(32) };
    expect(blockHashSync(header)).toBe(await blockHash(header));
  });

  it("the Merkle root follows RFC 6962: one leaf is its own root; two leaves are H(0x01 ‖ a ‖ b)", async () => {
    const a = "11".repeat(32);
    const b = "22".repeat(32);
    expect(await merkleRoot([a])).toBe(a);
    const bytes = new Uint8Array(65);
    bytes[0] = 1;
    bytes.set(Uint8Array.from(a.match(/../g)!.map((h) => parseInt(h, 16))), 1);
    bytes.set(Uint8Array.from(b.match(/../g)!.map((h) => parseInt(h, 16))), 33);
    const expected = [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((x) => x.toString(16).padStart(2, "0")).join("");
    expect(await merkleRoot([a, b])).toBe(expected);
  });
});

describe("appending", () => {
  it("200 concurrent emitAudit calls plus 10 concurrent relay batches of 20: seqs 1..400, no gap, no fork, no duplicate, each batch one block, readable on ack", async () => {
    const tenantId = chain("concurrent");
    const batches = Array.from({ length: 10 }, () => Array.from({ length: 20 }, () => staged(tenantId)));
    const singles = Array.from({ length: 200 }, (_, i) => emitAudit(env, event(tenantId, `single.${i}`)));
    const relays = batches.map((b) => ledgerFor(env, tenantId).append(b));
    const [, acks] = await Promise.all([Promise.all(singles), Promise.all(relays)]);

    const entries = await chainEntries(tenantId);
    expect(entries.map((e) => e.seq)).toEqual(range(1, 400));
    expect(new Set(entries.map((e) => e.id)).size).toBe(400);
    expect(await verifyChain(entries, { prevHash: GENESIS_HASH, prevSeq: 0 })).toMatchObject({ ok: true, count: 400, headSeq: 400 });
    expect(await verifyChain(entries, { prevHash: GENESIS_HASH, prevSeq: 0 }, syncChainHasher)).toMatchObject({ ok: true, count: 400 });
    for (const [i, ack] of acks.entries()) {
      // Consecutive seqs, in the batch's order, as ONE block of 20.
      expect(ack.seqs).toEqual(range(ack.seqs[0]!, ack.seqs[0]! + 19));
      const block = ack.seqs.map((s) => entries[s - 1]! as LedgerEntryV2);
      expect(block.map((e) => e.id)).toEqual(batches[i]!.map((e) => e.id));
      expect(new Set(block.map((e) => e.block.hash)).size).toBe(1);
      expect(block[0]!.block).toMatchObject({ fromSeq: ack.seqs[0], toSeq: ack.seqs[19] });
    }
    // Acknowledged means readable: the newest entry is listed at once.
    const page = await ledgerFor(env, tenantId).list({}, null, 1);
    expect(page.entries[0]!.seq).toBe(400);
  });

  it("a retried batch is idempotent: same seqs, nothing appended; a partly new batch appends only the new events", async () => {
    const tenantId = chain("retry");
    const batch = Array.from({ length: 5 }, () => staged(tenantId));
    const first = await ledgerFor(env, tenantId).append(batch);
    expect(first).toMatchObject({ seqs: [1, 2, 3, 4, 5], appended: 5, headSeq: 5 });
    const again = await ledgerFor(env, tenantId).append(batch);
    expect(again).toMatchObject({ seqs: [1, 2, 3, 4, 5], appended: 0, headSeq: 5, headHash: first.headHash });
    // Via the emit point too (the relay's flush path), and with the same event twice in one batch.
    await emitAuditBatch(env, [...batch, batch[0]!]);
    const extra = staged(tenantId);
    const mixed = await ledgerFor(env, tenantId).append([batch[4]!, extra, extra]);
    expect(mixed.seqs).toEqual([5, 6, 6]);
    expect((await chainEntries(tenantId)).map((e) => e.id)).toEqual([...batch.map((e) => e.id), extra.id]);
  });

  it("a batch retried after the segment was sealed is still recognised (the previous segment is checked too)", async () => {
    const tenantId = chain("retry-sealed");
    const batch = Array.from({ length: 3 }, () => staged(tenantId));
    await ledgerFor(env, tenantId).append(batch);
    await ledgerFor(env, tenantId).sealOpenSegment();
    await ledgerFor(env, tenantId).append([staged(tenantId)]); // opens segment 2
    expect((await ledgerFor(env, tenantId).append(batch)).seqs).toEqual([1, 2, 3]);
    expect((await ledgerFor(env, tenantId).currentHead()).headSeq).toBe(4);
  });

  it("a very large append is cut into blocks of at most MAX_BLOCK_ENTRIES that chain one after the other", async () => {
    const tenantId = chain("large");
    const events = Array.from({ length: MAX_BLOCK_ENTRIES + 10 }, () => staged(tenantId));
    const ack = await ledgerFor(env, tenantId).append(events);
    expect(ack.seqs).toEqual(range(1, MAX_BLOCK_ENTRIES + 10));
    const entries = (await chainEntries(tenantId)) as LedgerEntryV2[];
    expect(new Set(entries.map((e) => e.block.hash)).size).toBe(2);
    expect(entries[MAX_BLOCK_ENTRIES]!.block.prevHash).toBe(entries[0]!.block.hash);
    expect(await verifyChain(entries, { prevHash: GENESIS_HASH, prevSeq: 0 }, syncChainHasher)).toMatchObject({
      ok: true,
      count: MAX_BLOCK_ENTRIES + 10,
    });
  });

  it("refuses events of another chain, and an append that fails leaves the chain untouched", async () => {
    const tenantId = chain("wrong");
    await emitAudit(env, event(tenantId));
    const refused = await ledgerFor(env, tenantId)
      .append([staged(tenantId), staged(chain("other"))])
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(String(refused)).toMatch(/sent to ledger/);
    expect((await chainEntries(tenantId)).map((e) => e.seq)).toEqual([1]);
    expect((await ledgerFor(env, tenantId).append([staged(tenantId)])).seqs).toEqual([2]);
  });

  it("tenant-less events go to the platform chain", async () => {
    await emitAudit(env, event(null, "auth.login_failed", { outcome: "failure", severity: "warning" }));
    const head = await ledgerFor(env, "platform").currentHead();
    expect(head.chainId).toBe("platform");
    const entry = await ledgerFor(env, "platform").get(head.headSeq);
    expect(entry).toMatchObject({ tenantId: null, seq: head.headSeq, action: "auth.login_failed", chainId: "platform" });
  });

  it("keeps details as plain JSON so every copy hashes the same (undefined dropped, Date as string)", async () => {
    const tenantId = chain("json");
    await emitAudit(env, event(tenantId, "x.y", { details: { gone: undefined, when: new Date(0), nested: { list: [1, 2] } } }));
    const entry = await ledgerFor(env, tenantId).get(1);
    expect(entry!.details).toEqual({ when: "1970-01-01T00:00:00.000Z", nested: { list: [1, 2] } });
    expect(await hashEntry(entry!)).toBe(entry!.hash);
  });
});

describe("eviction", () => {
  it("evicted right after an append: the chain, its head and its index come back from storage; a retried batch gets the same seqs", async () => {
    const tenantId = chain("evicted");
    const batch = Array.from({ length: 4 }, () => staged(tenantId, "relay.message_denied", { outcome: "denied" }));
    const ack = await ledgerFor(env, tenantId).append(batch);
    // Poison the in-memory state: the next call must answer from storage, not memory.
    await runInDurableObject(ledgerFor(env, tenantId), (ledger: AuditLedger) => {
      (ledger as unknown as { head: { seq: number; hash: string } }).head = { seq: 999, hash: "f".repeat(64) };
    });
    await evictDurableObject(ledgerFor(env, tenantId));
    expect(await ledgerFor(env, tenantId).currentHead()).toMatchObject({ headSeq: 4, headHash: ack.headHash });
    expect((await ledgerFor(env, tenantId).append(batch)).seqs).toEqual(ack.seqs);
    expect((await ledgerFor(env, tenantId).list({ outcome: "denied" }, null, 10)).entries.map((e) => e.seq)).toEqual([4, 3, 2, 1]);
    await emitAudit(env, event(tenantId));
    expect(await verifyChain(await chainEntries(tenantId), { prevHash: GENESIS_HASH, prevSeq: 0 }, syncChainHasher)).toMatchObject({
      ok: true,
      count: 5,
    });
  });

  it("concurrent emitters through an eviction: callers retry what failed, the chain ends gapless with every event exactly once", async () => {
    const tenantId = chain("evict-concurrent");
    const events = Array.from({ length: 60 }, () => staged(tenantId));
    const send = async (e: StagedAuditEvent) => {
      for (let attempt = 0; ; attempt++) {
        try {
          return await ledgerFor(env, tenantId).append([e]);
        } catch (error) {
          if (attempt > 5) throw error;
        }
      }
    };
    const first = Promise.all(events.slice(0, 30).map(send));
    await evictDurableObject(ledgerFor(env, tenantId));
    await Promise.all([first, Promise.all(events.slice(30).map(send))]);
    const entries = await chainEntries(tenantId);
    expect(entries.map((e) => e.seq)).toEqual(range(1, 60));
    expect(new Set(entries.map((e) => e.id))).toEqual(new Set(events.map((e) => e.id)));
    expect(await verifyChain(entries, { prevHash: GENESIS_HASH, prevSeq: 0 }, asyncChainHasher)).toMatchObject({ ok: true });
  });
});

describe("segments", () => {
  it("a sealed segment is followed by a new one that continues the chain; expiry drops whole segments, archived and old enough only", async () => {
    const tenantId = chain("segments");
    const ledger = () => ledgerFor(env, tenantId);
    const long = Date.now() - 40 * 86_400_000;
    await ledger().append(
      [staged(tenantId, "old.a", { at: long }), staged(tenantId, "old.b", { at: long + 1 })].map((e) => ({ ...e, at: long })),
    );
    await ledger().sealOpenSegment();
    await ledger().append([staged(tenantId, "new.a")]);
    const figures = await ledger().storageFigures();
    expect(figures.segments.map((s) => [s.k, s.from_seq, s.to_seq, s.live])).toEqual([
      [1, 1, 2, false],
      [2, 3, 3, true],
    ]);
    expect(await verifyChain(await chainEntries(tenantId), { prevHash: GENESIS_HASH, prevSeq: 0 }, syncChainHasher)).toMatchObject({
      ok: true,
      count: 3,
    });

    // Not archived yet: nothing goes, however old.
    expect(await ledger().expire(0, Date.now() - 30 * 86_400_000)).toMatchObject({ segments: 0 });
    // Archived through seq 2 and older than the window: segment 1 goes, with one DROP per table.
    const before = await ledger().stats();
    expect(await ledger().expire(2, Date.now() - 30 * 86_400_000)).toEqual({ segments: 1, entries: 2, throughSeq: 2 });
    const after = await ledger().stats();
    expect(after.rowsWritten - before.rowsWritten).toBeLessThanOrEqual(2); // the directory row, not one per entry
    expect(await ledger().get(1)).toBeNull();
    expect((await ledger().currentHead()).oldestSeq).toBe(3);
    expect((await ledger().list({}, null, 10)).entries.map((e) => e.seq)).toEqual([3]);
    // The chain goes on from the head after an eviction.
    await evictDurableObject(ledger());
    expect((await ledger().append([staged(tenantId)])).seqs).toEqual([4]);
    const [three, four] = await ledger().links(2, 4);
    expect(four!.prev_hash).toBe(three!.hash);
  });

  it("moves old segments to store objects when over budget: reads, verify walks and expiry reach them there", async () => {
    const tenantId = chain("stores");
    const ledger = () => ledgerFor(env, tenantId);
    for (let k = 0; k < 4; k++) {
      await ledger().append(
        Array.from({ length: 10 }, (_, i) => staged(tenantId, `seg${k}.event`, { target: { type: "widget", id: `w${k}_${i}` } })),
      );
      await ledger().sealOpenSegment();
    }
    await ledger().append([staged(tenantId, "open.event")]);
    const moved = await ledger().moveSegments(0); // a budget of 0 bytes: move everything movable
    expect(moved).toEqual([1, 2, 3]); // the two newest (4 sealed, 5 open) stay for duplicate checks
    const figures = await ledger().storageFigures();
    expect(figures.segments.filter((s) => s.store !== null).map((s) => s.store)).toEqual([
      `${tenantId}/segment/1`,
      `${tenantId}/segment/2`,
      `${tenantId}/segment/3`,
    ]);

    expect((await ledger().get(5))!.action).toBe("seg0.event");
    expect((await ledger().list({ targetId: "w1_3" }, null, 5)).entries.map((e) => e.seq)).toEqual([14]);
    expect((await ledger().list({ q: "SEG2" }, null, 100)).entries).toHaveLength(10);
    const entries = await chainEntries(tenantId);
    expect(entries.map((e) => e.seq)).toEqual(range(1, 41));
    expect(await verifyChain(entries, { prevHash: GENESIS_HASH, prevSeq: 0 }, syncChainHasher)).toMatchObject({ ok: true, count: 41 });

    // Expiry deletes a moved segment's store entirely.
    expect(await ledger().expire(20, Date.now() + 1000)).toMatchObject({ segments: 2, entries: 20 });
    const store = env.AUDIT_LEDGER.get(env.AUDIT_LEDGER.idFromName(`${tenantId}/segment/1`));
    expect(await runInDurableObject(store, (_: AuditLedger, state) => state.storage.sql.databaseSize)).toBeLessThan(20_000);
    expect(await ledger().get(5)).toBeNull();
    expect((await ledger().get(25))!.action).toBe("seg2.event");
  });
});

describe("cost", () => {
  it("an append costs four rows written whatever its size (block, payload, index document, head); a tenant without alert rules sets no alarm", async () => {
    const tenantId = chain("cost");
    await emitAuditBatch(env, [staged(tenantId)]); // opens the segment, loads the (empty) rules, records the action
    const stats = () => ledgerFor(env, tenantId).stats();
    let before = await stats();
    await emitAuditBatch(
      env,
      Array.from({ length: 100 }, () => staged(tenantId)),
    );
    let after = await stats();
    expect(after.rowsWritten - before.rowsWritten).toBe(4);
    expect(after.alarmsSet - before.alarmsSet).toBe(0);
    before = after;
    await emitAudit(env, event(tenantId, "relay.message_accepted"));
    after = await stats();
    expect(after.rowsWritten - before.rowsWritten).toBe(4);
    expect(after.entriesAppended - before.entriesAppended).toBe(1);
    // A new action is one more row, once: the list of actions the `q` filter searches.
    before = after;
    await emitAudit(env, event(tenantId, "first.time"));
    expect((await stats()).rowsWritten - before.rowsWritten).toBe(5);
  });

  it("the index proposes blocks and every candidate is checked: a filtered page holds only exact matches", async () => {
    const tenantId = chain("filters");
    const mk = (actorId: string, targetId: string, action: string) =>
      staged(tenantId, action, { actor: { type: "agent", id: actorId, name: null }, target: { type: "agent", id: targetId } });
    // One block where agt_a and agt_b both appear, but never agt_a → agt_b.
    await ledgerFor(env, tenantId).append([
      mk("agt_a", "agt_c", "relay.message_accepted"),
      mk("agt_c", "agt_b", "relay.message_accepted"),
      mk("agt_a", "agt_b", "relay.message_denied"),
    ]);
    const page = await ledgerFor(env, tenantId).list({ actorId: "agt_a", targetId: "agt_b", action: "relay.message_accepted" }, null, 10);
    expect(page.entries).toEqual([]);
    const both = await ledgerFor(env, tenantId).list({ actorId: "agt_a", targetId: "agt_b" }, null, 10);
    expect(both.entries.map((e: LedgerEntry) => e.seq)).toEqual([3]);
    expect((await ledgerFor(env, tenantId).list({ q: "nothing-like-it" }, null, 10)).entries).toEqual([]);
  });
});
