/**
 * Migrating from the first ledger (scheme v1, D1's `audit_events` as the hot window) to the block
 * ledger without downtime, in workerd. A tenant's ledger object is put back exactly in the state
 * the old code left — `ledger_meta` with head_seq/head_hash/mirrored_seq at schema version 1,
 * `ledger_entries` holding the last days of v1 entries, D1 holding the mirrored ones — and then
 * the new code starts on it, as after a deploy. Everything must keep working across the boundary:
 * the chain continues from the v1 head, reads page from the ledger into D1's rows, verify and
 * export walk both, a batch retried across the upgrade is not duplicated, archives seal days made
 * of v1 entries and blocks, retention ages the legacy rows out, and the v1 table goes after its day.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { verifyArchives } from "../../tools/switchboard-verify/lib/verify.mjs";
import { at, AS_OF, daysAgo, digestKeySet, verifierFiles } from "../../test/workers/audit-archive-harness";
import { BASE, call, tenantWithRoles } from "../../test/workers/harness";
import {
  GENESIS_HASH,
  linkHashAfter,
  sealEntry,
  verifyChain,
  type LedgerEntry,
  type LedgerEntryV1,
} from "../../workers/shared/audit/chain";
import { runRetentionJob } from "../../workers/shared/audit/archive/retention-job";
import { entryToRow } from "../../workers/shared/audit/d1-rows";
import { emitAudit, emitAuditBatch, ledgerFor } from "../../workers/shared/audit/emit";
import { createDb } from "../../workers/shared/db/client";
import { auditEvents } from "../../workers/shared/db/schema";
import type { AuditLedger } from "./audit-ledger";

/** A v1 chain of `n` entries, `perDay` a day, starting `days` days ago. */
async function v1Chain(chainId: string, n: number, days: number): Promise<LedgerEntryV1[]> {
  const out: LedgerEntryV1[] = [];
  let prevHash = GENESIS_HASH;
  for (let i = 0; i < n; i++) {
    const entry = await sealEntry({
      v: 1,
      chainId,
      seq: i + 1,
      id: `aud_legacy_${chainId}_${i + 1}`,
      at: at(days - Math.floor((i * days) / n), 10, i),
      tenantId: chainId,
      actor: { type: "user", id: "usr_old", name: "old@example.test" },
      action: i % 2 ? "agent.created" : "team.created",
      target: { type: "team", id: `team_${i}` },
      severity: "info",
      outcome: "success",
      details: { i },
      ip: "203.0.113.1",
      userAgent: "v1",
      prevHash,
    });
    out.push(entry);
    prevHash = entry.hash;
  }
  return out;
}

/** Puts the chain's storage back as the first ledger left it: v1 entries, D1 mirrored up to `mirrored`. */
async function asLeftByTheFirstLedger(chainId: string, entries: LedgerEntryV1[], mirrored: number): Promise<void> {
  const stub = ledgerFor(env, chainId);
  await runInDurableObject(stub, async (_: AuditLedger, state) => {
    await state.storage.deleteAll();
    const sql = state.storage.sql;
    sql.exec("CREATE TABLE ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    sql.exec(
      "CREATE TABLE ledger_entries (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, entry TEXT NOT NULL, hash TEXT NOT NULL, appended_at INTEGER NOT NULL)",
    );
    for (const e of entries) sql.exec("INSERT INTO ledger_entries VALUES (?, ?, ?, ?, ?)", e.seq, e.id, JSON.stringify(e), e.hash, e.at);
    const last = entries[entries.length - 1]!;
    for (const [k, v] of [
      ["schema_version", "1"],
      ["chain_id", chainId],
      ["head_seq", String(last.seq)],
      ["head_hash", last.hash],
      ["mirrored_seq", String(mirrored)],
    ])
      sql.exec("INSERT INTO ledger_meta VALUES (?, ?)", k, v);
  });
  // D1: the rows the first ledger had mirrored (and no others).
  await env.DB.prepare("DELETE FROM audit_events WHERE chain_id = ?").bind(chainId).run();
  const db = createDb(env.DB);
  for (const e of entries.filter((x) => x.seq <= mirrored)) await db.insert(auditEvents).values(entryToRow(e));
  // The deploy: the object restarts with the new code.
  await evictDurableObject(stub);
}

async function listAll(tenantId: string, cookie: string, query = ""): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  let cursor: string | undefined;
  do {
    const res = await call(`/v1/tenants/${tenantId}/audit?limit=4${query}${cursor ? `&cursor=${cursor}` : ""}`, { cookie });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    out.push(...res.body.data);
    cursor = res.body.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

describe("from the first ledger (D1 hot window) to the block ledger", () => {
  it("carries the chain over: reads, filters, verify, export and archives span v1 rows in D1 and blocks in the ledger", async () => {
    const t = await tenantWithRoles("Migrating");
    const legacy = await v1Chain(t.tenantId, 8, 5);
    await asLeftByTheFirstLedger(t.tenantId, legacy, 6); // seqs 7–8 committed but not yet in D1

    const ledger = ledgerFor(env, t.tenantId);
    expect(await ledger.currentHead()).toMatchObject({ headSeq: 8, headHash: legacy[7]!.hash, legacyTop: 6, oldestSeq: 7 });

    // New events continue the chain from the v1 head, as blocks.
    await emitAudit(env, {
      tenantId: t.tenantId,
      actor: { type: "system", id: null, name: "test" },
      action: "agent.created",
      ip: null,
      userAgent: null,
    });
    const now = Date.now();
    await emitAuditBatch(
      env,
      [0, 1, 2].map((i) => ({
        tenantId: t.tenantId,
        actor: { type: "agent" as const, id: "agt_r", name: null },
        action: "relay.message_accepted",
        ip: null,
        userAgent: null,
        id: `aud_new_${i}`,
        at: now + i,
      })),
    );
    const nine = (await ledger.get(9))!;
    expect(nine).toMatchObject({ v: 2, block: { fromSeq: 9, toSeq: 9, prevHash: legacy[7]!.hash } });

    // The list pages from the ledger (12…7) into D1's legacy rows (6…1), newest first, without repeats.
    const all = await listAll(t.tenantId, t.viewer.cookie);
    expect(all.map((e) => e.seq)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(all.map((e) => e.v)).toEqual([2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect((await listAll(t.tenantId, t.viewer.cookie, "&action=agent.created")).map((e) => e.seq)).toEqual([9, 8, 6, 4, 2]);
    expect((await call(`/v1/tenants/${t.tenantId}/audit/3`, { cookie: t.viewer.cookie })).body.entry).toEqual(legacy[2]);

    // Verify walks D1's rows, the carried-over v1 entries and the blocks; so does an export.
    expect((await call(`/v1/tenants/${t.tenantId}/audit/verify`, { body: {}, cookie: t.viewer.cookie })).body).toMatchObject({
      status: "intact",
      fromSeq: 1,
      toSeq: 12,
      count: 12,
    });
    const exported = await exports.default.fetch(
      new Request(`${BASE}/v1/tenants/${t.tenantId}/audit/export?format=jsonl`, { headers: { cookie: t.owner.cookie } }),
    );
    const text = await exported.text();
    const lines = text
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as LedgerEntry);
    expect(lines.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(await verifyChain(lines, { prevHash: GENESIS_HASH, prevSeq: 0 })).toMatchObject({ ok: true, count: 12 });
    const offline = await verifyArchives({
      files: [{ path: "audit-export.jsonl", bytes: new TextEncoder().encode(text) }],
      jwks: { keys: [] },
    });
    expect(offline.problems).toEqual([]);

    // A relay batch flushed just before the upgrade and retried after it is not appended again.
    const retried = await ledger.append(
      [7, 8].map((s) => ({
        ...legacy[s - 1]!,
        id: legacy[s - 1]!.id,
        at: legacy[s - 1]!.at,
        tenantId: t.tenantId,
        actor: legacy[s - 1]!.actor,
        ip: null,
        userAgent: null,
      })),
    );
    expect(retried).toMatchObject({ seqs: [7, 8], appended: 0 });

    // Archives seal the old days (v1 entries) and today's blocks alike; the trail verifies offline.
    const job = await runRetentionJob(env, { chainId: t.tenantId, asOf: AS_OF + 86_400_000 }, { clock: () => AS_OF + 86_400_000 });
    expect(job.archived[0]).toBe(daysAgo(5));
    expect(job.archived.at(-1)).toBe(daysAgo(0));
    const report = await verifyArchives({ files: await verifierFiles(t.tenantId), jwks: await digestKeySet() });
    expect(report.problems).toEqual([]);
    expect(report.chains[0]).toMatchObject({ fromSeq: 1, toSeq: expect.any(Number) });
    expect(report.chains[0]!.toSeq).toBeGreaterThanOrEqual(12);
    const lastDay = JSON.parse(
      await (await env.AUDIT_ARCHIVE.get(`tenants/${t.tenantId}/${daysAgo(0).replace(/-/g, "/")}/digest.json`))!.text(),
    );
    expect(lastDay.chainSchemeVersion).toBe(2);
    const firstDay = JSON.parse(
      await (await env.AUDIT_ARCHIVE.get(`tenants/${t.tenantId}/${daysAgo(5).replace(/-/g, "/")}/digest.json`))!.text(),
    );
    expect(firstDay).toMatchObject({ chainSchemeVersion: 1, fromSeq: 1, prevHash: GENESIS_HASH });
    expect(linkHashAfter(all.find((e) => e.seq === 12)!)).toBeTruthy();
  });

  it("ages the legacy rows out with the hot window, and drops the v1 table after its grace day", async () => {
    const t = await tenantWithRoles("Aging");
    const legacy = await v1Chain(t.tenantId, 4, 40);
    await asLeftByTheFirstLedger(t.tenantId, legacy, 4);
    await emitAudit(env, {
      tenantId: t.tenantId,
      actor: { type: "system", id: null, name: "test" },
      action: "agent.created",
      ip: null,
      userAgent: null,
    });
    // The tenant's plan keeps 90 days hot: 100 days on, everything archived and old goes.
    const later = AS_OF + 100 * 86_400_000;
    await runRetentionJob(env, { chainId: t.tenantId, asOf: later }, { clock: () => later, maxDays: 200 });
    const left = await env.DB.prepare("SELECT count(*) AS n FROM audit_events WHERE chain_id = ?").bind(t.tenantId).first<{ n: number }>();
    expect(left!.n).toBe(0);

    const stub = ledgerFor(env, t.tenantId);
    const tables = () =>
      runInDurableObject(
        stub,
        (_: AuditLedger, state) =>
          state.storage.sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE name = 'ledger_entries'").toArray().length,
      );
    expect(await tables()).toBe(1);
    await runInDurableObject(stub, (_: AuditLedger, state) =>
      state.storage.sql.exec("UPDATE ledger_meta SET value = '0' WHERE key = 'legacy_entries_drop_at'"),
    );
    await runDurableObjectAlarm(stub);
    expect(await tables()).toBe(0);
    // The chain goes on.
    await emitAudit(env, {
      tenantId: t.tenantId,
      actor: { type: "system", id: null, name: "test" },
      action: "agent.deleted",
      ip: null,
      userAgent: null,
    });
    expect((await ledgerFor(env, t.tenantId).currentHead()).headSeq).toBe(6);
  });
});
