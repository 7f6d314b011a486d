/**
 * The AuditLedger in workerd: gapless and fork-free under concurrent emitters, idempotent retries,
 * atomic batches, nothing lost or duplicated across eviction, the D1 mirror and its cursor.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { GENESIS_HASH, hashEntry, verifyChain, type LedgerEntry } from "../../workers/shared/audit/chain";
import { emitAudit, emitAuditBatch, ledgerFor, type AuditEvent, type StagedAuditEvent } from "../../workers/shared/audit/emit";
import { newId } from "../../workers/shared/crypto/ids";
import type { AuditLedger } from "./audit-ledger";
import { hashEntrySync, toEntryBody, type AppendInput, type AppendResult } from "./append";
import { LEDGER_RETENTION_MS } from "./retention";

let n = 0;
function chain(label: string): string {
  return `ten_ledger_${label}_${Date.now().toString(36)}_${++n}`;
}

function event(tenantId: string | null, action = "thing.done", extra: Partial<AuditEvent> = {}): AuditEvent {
  return { tenantId, actor: { type: "user", id: "usr_1", name: "a@example.test" }, action, ip: "203.0.113.9", userAgent: "vitest", ...extra };
}

function staged(tenantId: string, action = "relay.message_accepted"): StagedAuditEvent {
  const at = Date.now();
  return { ...event(tenantId, action, { actor: { type: "agent", id: "agt_1", name: null } }), id: newId("audit", at), at };
}

async function ledgerEntries(chainId: string): Promise<LedgerEntry[]> {
  return runInDurableObject(ledgerFor(env, chainId), (_: AuditLedger, state) =>
    state.storage.sql
      .exec<{ entry: string }>("SELECT entry FROM ledger_entries ORDER BY seq")
      .toArray()
      .map((r) => JSON.parse(r.entry) as LedgerEntry),
  );
}

async function d1Rows(chainId: string): Promise<{ id: string; seq: number; hash: string; prev_hash: string }[]> {
  const { results } = await env.DB.prepare("SELECT id, seq, hash, prev_hash FROM audit_events WHERE chain_id = ? ORDER BY seq").bind(chainId).all<{ id: string; seq: number; hash: string; prev_hash: string }>();
  return results;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Commits without the post-commit mirror — the state an eviction right after the commit leaves. */
function commitOnly(chainId: string, events: AppendInput[]): Promise<AppendResult> {
  return runInDurableObject(ledgerFor(env, chainId), (ledger: AuditLedger) => {
    const { result } = (ledger as unknown as { commit(c: string, e: AppendInput[]): { result: AppendResult } }).commit(chainId, events);
    return result;
  });
}

describe("hashing", () => {
  it("the synchronous SHA-256 used inside the transaction equals chain.ts's WebCrypto hashEntry", async () => {
    const body = toEntryBody("ten_x", 7, GENESIS_HASH, "aud_1", event("ten_x", "a.b", { details: { z: 1, a: [1, "é", { y: null }], n: 1e21 } }), 1_700_000_000_000);
    expect(hashEntrySync(body)).toBe(await hashEntry(body));
  });
});

describe("appending", () => {
  it("200 concurrent emitAudit calls plus 10 concurrent relay batches of 20: seqs 1..400, no gap, no fork, no duplicate, batches contiguous, all in D1 on ack", async () => {
    const tenantId = chain("concurrent");
    const batches = Array.from({ length: 10 }, () => Array.from({ length: 20 }, () => staged(tenantId)));
    const singles = Array.from({ length: 200 }, (_, i) => emitAudit(env, event(tenantId, `single.${i}`)));
    const relays = batches.map((b) => ledgerFor(env, tenantId).append(b));
    const [, acks] = await Promise.all([Promise.all(singles), Promise.all(relays)]);

    const entries = await ledgerEntries(tenantId);
    expect(entries.map((e) => e.seq)).toEqual(range(1, 400));
    expect(new Set(entries.map((e) => e.id)).size).toBe(400);
    expect(await verifyChain(entries, { prevHash: GENESIS_HASH, prevSeq: 0 })).toMatchObject({ ok: true, count: 400, headSeq: 400 });
    // Each relay batch got consecutive seqs, in its own order.
    for (const [i, ack] of acks.entries()) {
      expect(ack.seqs).toEqual(range(ack.seqs[0]!, ack.seqs[0]! + 19));
      expect(ack.seqs.map((s) => entries[s - 1]!.id)).toEqual(batches[i]!.map((e) => e.id));
    }
    // Acknowledged means readable in D1: every entry is there, with its chain fields, once.
    const rows = await d1Rows(tenantId);
    expect(rows.map((r) => r.seq)).toEqual(range(1, 400));
    expect(rows.map((r) => r.hash)).toEqual(entries.map((e) => e.hash));
  });

  it("a retried batch is idempotent: same seqs, nothing appended, nothing duplicated in D1; a partly new batch appends only the new events", async () => {
    const tenantId = chain("retry");
    const batch = Array.from({ length: 5 }, () => staged(tenantId));
    const first = await ledgerFor(env, tenantId).append(batch);
    expect(first).toMatchObject({ seqs: [1, 2, 3, 4, 5], appended: 5, headSeq: 5, mirrored: true });
    const again = await ledgerFor(env, tenantId).append(batch);
    expect(again).toMatchObject({ seqs: [1, 2, 3, 4, 5], appended: 0, headSeq: 5, headHash: first.headHash });
    // Via the emit point too (the relay's flush path), and with the same event twice in one batch.
    await emitAuditBatch(env, [...batch, batch[0]!]);
    const extra = staged(tenantId);
    const mixed = await ledgerFor(env, tenantId).append([batch[4]!, extra, extra]);
    expect(mixed.seqs).toEqual([5, 6, 6]);
    expect((await d1Rows(tenantId)).map((r) => r.id)).toEqual([...batch.map((e) => e.id), extra.id]);
  });

  it("refuses events of another chain, and an append that fails leaves the chain untouched", async () => {
    const tenantId = chain("wrong");
    await emitAudit(env, event(tenantId));
    const refused = await ledgerFor(env, tenantId)
      .append([staged(tenantId), staged(chain("other"))])
      .then(() => null, (error: unknown) => error);
    expect(String(refused)).toMatch(/sent to ledger/);
    const entries = await ledgerEntries(tenantId);
    expect(entries.map((e) => e.seq)).toEqual([1]);
    expect((await ledgerFor(env, tenantId).append([staged(tenantId)])).seqs).toEqual([2]);
  });

  it("tenant-less events go to the platform chain", async () => {
    await emitAudit(env, event(null, "auth.login_failed", { outcome: "failure", severity: "warning" }));
    const head = await ledgerFor(env, "platform").currentHead();
    expect(head.chainId).toBe("platform");
    const { results } = await env.DB.prepare("SELECT tenant_id, seq, action FROM audit_events WHERE chain_id = 'platform' ORDER BY seq DESC LIMIT 1").all();
    expect(results[0]).toMatchObject({ tenant_id: null, seq: head.headSeq, action: "auth.login_failed" });
  });

  it("keeps details as plain JSON so D1's copy hashes the same (undefined dropped, Date as string)", async () => {
    const tenantId = chain("json");
    await emitAudit(env, event(tenantId, "x.y", { details: { gone: undefined, when: new Date(0), nested: { list: [1, 2] } } }));
    const [entry] = await ledgerEntries(tenantId);
    expect(entry!.details).toEqual({ when: "1970-01-01T00:00:00.000Z", nested: { list: [1, 2] } });
    expect(await hashEntry(entry!)).toBe(entry!.hash);
  });
});

describe("eviction and the mirror", () => {
  it("evicted right after a commit: nothing in D1 yet, the alarm mirrors everything, the retried batch gets the same seqs", async () => {
    const tenantId = chain("evict");
    const batch = Array.from({ length: 30 }, () => staged(tenantId));
    const committed = await commitOnly(tenantId, batch);
    expect(committed.seqs).toEqual(range(1, 30));
    expect(await d1Rows(tenantId)).toEqual([]);

    await evictDurableObject(ledgerFor(env, tenantId));
    expect(await runDurableObjectAlarm(ledgerFor(env, tenantId))).toBe(true);
    expect((await d1Rows(tenantId)).map((r) => r.seq)).toEqual(range(1, 30));

    // The emitter never saw an ack (it was evicted), so it retries: same seqs, no duplicates.
    const retried = await ledgerFor(env, tenantId).append(batch);
    expect(retried).toMatchObject({ seqs: range(1, 30), appended: 0 });
    expect((await d1Rows(tenantId)).map((r) => r.id)).toEqual(batch.map((e) => e.id));
  });

  it("a mirror that wrote a D1 page but crashed before moving its cursor repeats the page without duplicating it", async () => {
    const tenantId = chain("mirror-crash");
    const batch = Array.from({ length: 250 }, () => staged(tenantId));
    await commitOnly(tenantId, batch);
    // Simulate the crash: the first page reached D1, the cursor did not move.
    const entries = await ledgerEntries(tenantId);
    for (const e of entries.slice(0, 100)) {
      await env.DB.prepare("INSERT INTO audit_events (id, tenant_id, at, actor_type, action, severity, outcome, details, chain_id, seq, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
        .bind(e.id, e.tenantId, e.at, e.actor.type, e.action, e.severity, e.outcome, JSON.stringify(e.details), e.chainId, e.seq, e.prevHash, e.hash)
        .run();
    }
    await evictDurableObject(ledgerFor(env, tenantId));
    const head = await ledgerFor(env, tenantId).syncMirror();
    expect(head).toMatchObject({ headSeq: 250, mirroredSeq: 250, headHash: entries[249]!.hash });
    expect((await d1Rows(tenantId)).map((r) => r.seq)).toEqual(range(1, 250));
  });

  it("concurrent emitters through an eviction: callers retry what failed, the chain ends gapless with every event exactly once", async () => {
    const tenantId = chain("evict-concurrent");
    const events = Array.from({ length: 120 }, () => staged(tenantId));
    const send = (e: StagedAuditEvent) => ledgerFor(env, tenantId).append([e]);
    const first = events.map((e) => send(e).then(() => true, () => false));
    await evictDurableObject(ledgerFor(env, tenantId));
    const results = await Promise.all(first);
    // At-least-once callers (the relay's outbox) resend what they could not confirm.
    await Promise.all(events.filter((_, i) => !results[i]).map(send));
    await ledgerFor(env, tenantId).syncMirror();

    const entries = await ledgerEntries(tenantId);
    expect(entries.map((e) => e.seq)).toEqual(range(1, 120));
    expect(entries.map((e) => e.id).sort()).toEqual(events.map((e) => e.id).sort());
    expect(await verifyChain(entries, { prevHash: GENESIS_HASH, prevSeq: 0 })).toMatchObject({ ok: true, count: 120 });
    expect((await d1Rows(tenantId)).map((r) => r.seq)).toEqual(range(1, 120));
  });

  it("when D1 refuses the mirror the append is still acknowledged (durable in the ledger), and the alarm mirrors once D1 is back", async () => {
    const tenantId = chain("d1-down");
    await ledgerFor(env, tenantId).append([staged(tenantId)]);
    // A real D1 failure for this chain only: a trigger that aborts its inserts.
    const trigger = `fail_${tenantId.replace(/[^a-z0-9_]/gi, "_")}`;
    await env.DB.prepare(`CREATE TRIGGER ${trigger} BEFORE INSERT ON audit_events WHEN NEW.chain_id = '${tenantId}' BEGIN SELECT RAISE(ABORT, 'injected D1 failure'); END`).run();
    try {
      const ack = await ledgerFor(env, tenantId).append([staged(tenantId), staged(tenantId)]);
      expect(ack).toMatchObject({ seqs: [2, 3], appended: 2, mirrored: false });
      expect((await d1Rows(tenantId)).map((r) => r.seq)).toEqual([1]);
      expect((await ledgerFor(env, tenantId).currentHead())).toMatchObject({ headSeq: 3, mirroredSeq: 1 });
      // The alarm retries, fails again, and stays scheduled.
      expect(await runDurableObjectAlarm(ledgerFor(env, tenantId))).toBe(true);
      expect(await runInDurableObject(ledgerFor(env, tenantId), (_: AuditLedger, state) => state.storage.getAlarm())).not.toBeNull();
      expect((await d1Rows(tenantId)).map((r) => r.seq)).toEqual([1]);
    } finally {
      await env.DB.prepare(`DROP TRIGGER ${trigger}`).run();
    }
    await evictDurableObject(ledgerFor(env, tenantId));
    expect(await runDurableObjectAlarm(ledgerFor(env, tenantId))).toBe(true);
    expect((await d1Rows(tenantId)).map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(await ledgerFor(env, tenantId).currentHead()).toMatchObject({ headSeq: 3, mirroredSeq: 3 });
  });

  it("prunes mirrored entries past retention but keeps the head, and the chain continues from it after eviction", async () => {
    const tenantId = chain("prune");
    await ledgerFor(env, tenantId).append(Array.from({ length: 10 }, () => staged(tenantId)));
    const before = await ledgerFor(env, tenantId).currentHead();
    await runInDurableObject(ledgerFor(env, tenantId), (_: AuditLedger, state) => {
      state.storage.sql.exec("UPDATE ledger_entries SET appended_at = ?", Date.now() - LEDGER_RETENTION_MS - 1000);
    });
    expect(await runDurableObjectAlarm(ledgerFor(env, tenantId))).toBe(true);
    expect((await ledgerEntries(tenantId)).map((e) => e.seq)).toEqual([10]);
    await evictDurableObject(ledgerFor(env, tenantId));
    const next = await ledgerFor(env, tenantId).append([staged(tenantId)]);
    expect(next.seqs).toEqual([11]);
    const entries = await ledgerEntries(tenantId);
    expect(entries[1]!.prevHash).toBe(before.headHash);
    expect((await d1Rows(tenantId)).map((r) => r.seq)).toEqual(range(1, 11));
  });
});
