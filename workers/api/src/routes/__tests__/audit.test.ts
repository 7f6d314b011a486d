/**
 * The audit API in workerd: list/filters/pagination, one entry, verify against tampering of the
 * ledger's storage (an edited entry, link or block, deleted, inserted, reordered, truncated, a
 * rewritten suffix with or without the head, a forged tail), streamed JSONL/CSV export, and the
 * access rules (cross-tenant 404, role 403, bad input 400).
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  GENESIS_HASH,
  hashEntry,
  ledgerEntrySchema,
  linkHashAfter,
  verifyChain,
  type LedgerEntry,
  type LedgerEntryV2,
} from "../../../../shared/audit/chain";
import { emitAudit, emitAuditBatch, type AuditEvent } from "../../../../shared/audit/emit";
import { newId } from "../../../../shared/crypto/ids";
import { defaultProjectId } from "../../../../shared/projects";
import { BASE, call, createTenant, expectError, signup, tenantWithRoles } from "../../../../../test/workers/harness";
import { forgeBlock, tamper } from "../../../../../test/workers/ledger-tamper";

const auditPath = (tenantId: string) => `/v1/tenants/${tenantId}/audit`;

function ev(tenantId: string, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    tenantId,
    actor: { type: "user", id: "usr_alice", name: "alice@example.test" },
    action: "widget.created",
    ip: "203.0.113.9",
    userAgent: "vitest",
    ...overrides,
  };
}

/** A tenant whose chain holds the sign-up events plus `extra` events emitted through the emit point. */
async function seeded(extra = 0) {
  const t = await tenantWithRoles();
  for (let i = 0; i < extra; i++)
    await emitAudit(env, ev(t.tenantId, { action: `widget.step_${i}`, target: { type: "widget", id: `wid_${i}` } }));
  return t;
}

async function allEntries(tenantId: string, cookie: string): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  let cursor: string | undefined;
  do {
    const res = await call(`${auditPath(tenantId)}?limit=100${cursor ? `&cursor=${cursor}` : ""}`, { cookie });
    expect(res.status).toBe(200);
    out.push(...res.body.data);
    cursor = res.body.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

async function verify(tenantId: string, cookie: string, body: Record<string, unknown> = {}) {
  return call(`${auditPath(tenantId)}/verify`, { body, cookie });
}

// ---- tampering with the ledger's storage directly, as someone with write access to it would

async function entryAt(tenantId: string, seq: number, cookie: string): Promise<LedgerEntry> {
  return (await call(`${auditPath(tenantId)}/${seq}`, { cookie })).body.entry as LedgerEntry;
}

describe("listing", () => {
  it("newest first, cursor pagination without repeats, and the sign-up and emitted events are all there as LedgerEntry", async () => {
    const t = await seeded(7);
    const entries = await allEntries(t.tenantId, t.viewer.cookie);
    expect(entries.length).toBeGreaterThanOrEqual(8);
    const seqs = entries.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs.length - i));
    for (const e of entries) expect(ledgerEntrySchema.parse(e)).toEqual(e);
    expect(entries.some((e) => e.action === "tenant.created")).toBe(true);

    const page1 = await call(`${auditPath(t.tenantId)}?limit=3`, { cookie: t.viewer.cookie });
    expect(page1.body.data.map((e: LedgerEntry) => e.seq)).toEqual(seqs.slice(0, 3));
    const page2 = await call(`${auditPath(t.tenantId)}?limit=3&cursor=${page1.body.nextCursor}`, { cookie: t.viewer.cookie });
    expect(page2.body.data.map((e: LedgerEntry) => e.seq)).toEqual(seqs.slice(3, 6));
  });

  it("filters by actor, action, target, severity, outcome, time range (ms or ISO) and free text, combined with AND", async () => {
    const t = await tenantWithRoles();
    const base = Date.now() - 60_000;
    await emitAudit(
      env,
      ev(t.tenantId, {
        action: "agent.suspended",
        actor: { type: "agent", id: "agt_x", name: null },
        severity: "critical",
        target: { type: "agent", id: "agt_y" },
        at: base,
      }),
    );
    await emitAudit(env, ev(t.tenantId, { action: "relay.message_denied", outcome: "denied", severity: "warning", at: base + 1000 }));
    await emitAudit(
      env,
      ev(t.tenantId, {
        action: "auth.login_failed",
        outcome: "failure",
        actor: { type: "anonymous", id: null, name: null },
        at: base + 2000,
      }),
    );
    const q = async (query: string) => {
      const res = await call(`${auditPath(t.tenantId)}?${query}`, { cookie: t.member.cookie });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.data.map((e: LedgerEntry) => e.action) as string[];
    };
    expect(await q("actorType=agent")).toEqual(["agent.suspended"]);
    expect(await q("actorId=agt_x")).toEqual(["agent.suspended"]);
    expect(await q("action=relay.message_denied")).toEqual(["relay.message_denied"]);
    expect(await q("targetType=agent&targetId=agt_y")).toEqual(["agent.suspended"]);
    expect(await q("severity=critical")).toEqual(["agent.suspended"]);
    expect(await q("outcome=failure")).toEqual(["auth.login_failed"]);
    expect(await q(`from=${base}&to=${base + 2000}`)).toEqual(["relay.message_denied", "agent.suspended"]);
    expect(
      await q(
        `from=${encodeURIComponent(new Date(base + 1000).toISOString())}&to=${encodeURIComponent(new Date(base + 1001).toISOString())}`,
      ),
    ).toEqual(["relay.message_denied"]);
    expect(await q("q=LOGIN")).toEqual(["auth.login_failed"]);
    expect(await q("q=%25")).toEqual([]); // literal, not a LIKE wildcard
    expect(await q("outcome=denied&severity=critical")).toEqual([]);
  });

  it("projectId keeps one project's events; the default project also has unscoped agent and team events; unknown or another tenant's project 404", async () => {
    const t = await tenantWithRoles();
    const alpha = await call(`/v1/tenants/${t.tenantId}/projects`, { body: { name: "Alpha" }, cookie: t.owner.cookie });
    expect(alpha.status).toBe(201);
    const alphaId: string = alpha.body.project.id;
    const inAlpha = await call(`/v1/tenants/${t.tenantId}/agents`, {
      body: { name: "alpha-agent", template: "engineering", projectId: alphaId },
      cookie: t.owner.cookie,
    });
    const inDefault = await call(`/v1/tenants/${t.tenantId}/agents`, {
      body: { name: "default-agent", template: "engineering" },
      cookie: t.owner.cookie,
    });
    expect([inAlpha.status, inDefault.status]).toEqual([201, 201]);
    const defaultId = defaultProjectId(t.tenantId);
    // Recorded before projects existed: an agent event without projectId (the default project's), and a tenant-level one (no project's).
    await emitAudit(env, ev(t.tenantId, { action: "agent.renamed", target: { type: "agent", id: "agt_old" } }));
    await emitAudit(env, ev(t.tenantId, { action: "tenant.renamed", target: { type: "tenant", id: t.tenantId } }));
    await emitAudit(env, ev(t.tenantId, { action: "widget.moved", details: { projectId: alphaId, note: `"projectId":"${defaultId}"` } }));
    const list = async (query: string, cookie = t.viewer.cookie) => {
      const res = await call(`${auditPath(t.tenantId)}?${query}`, { cookie });
      expect(res.status).toBe(200);
      return (res.body.data as LedgerEntry[]).map((e) => `${e.action}:${(e.details as { projectId?: string }).projectId ?? "-"}`);
    };
    expect(await list(`projectId=${alphaId}`)).toEqual([
      `widget.moved:${alphaId}`,
      `agent.created:${alphaId}`,
      `project.created:${alphaId}`,
    ]);
    expect(await list(`projectId=${alphaId}&action=agent.created`)).toEqual([`agent.created:${alphaId}`]);
    expect(await list(`projectId=${defaultId}`)).toEqual(["agent.renamed:-", `agent.created:${defaultId}`]);
    expect((await list("limit=100")).length).toBeGreaterThan(6);
    expectError(await call(`${auditPath(t.tenantId)}?projectId=prj_nope`, { cookie: t.viewer.cookie }), 404, "not_found");
    const other = await signup("other-projects");
    const otherTenant = await createTenant(other);
    expectError(
      await call(`${auditPath(t.tenantId)}?projectId=${defaultProjectId(otherTenant)}`, { cookie: t.viewer.cookie }),
      404,
      "not_found",
    );
  });

  it("bad filters answer 400 validation_failed", async () => {
    const t = await tenantWithRoles();
    for (const query of [
      "severity=fatal",
      "limit=101",
      "limit=0",
      "from=yesterday",
      "from=2026-13-01T00:00:00Z",
      "actorType=robot",
      "nope=1",
      "from=2000&to=1000",
      "cursor=garbage",
      "q=",
    ]) {
      expectError(await call(`${auditPath(t.tenantId)}?${query}`, { cookie: t.owner.cookie }), 400, "validation_failed");
    }
  });

  it("another tenant's trail is 404, an anonymous caller 401", async () => {
    const t = await seeded(1);
    const outsider = await signup("outsider");
    await createTenant(outsider);
    expectError(await call(auditPath(t.tenantId), { cookie: outsider.cookie }), 404, "not_found");
    expectError(await call(`${auditPath(t.tenantId)}/1`, { cookie: outsider.cookie }), 404, "not_found");
    expectError(await verify(t.tenantId, outsider.cookie), 404, "not_found");
    expectError(await call(`${auditPath(t.tenantId)}/export`, { cookie: outsider.cookie }), 404, "not_found");
    expect((await call(auditPath(t.tenantId))).status).toBe(401);
  });
});

describe("one entry", () => {
  it("answers { entry } whose hash recomputes; unknown seq 404; a non-numeric seq 400; the archives route is not shadowed", async () => {
    const t = await seeded(2);
    const res = await call(`${auditPath(t.tenantId)}/1`, { cookie: t.viewer.cookie });
    expect(res.status).toBe(200);
    expect(res.body.entry.seq).toBe(1);
    expect(res.body.entry.block).toMatchObject({ fromSeq: 1, prevHash: GENESIS_HASH });
    expect(await hashEntry(res.body.entry)).toBe(res.body.entry.hash);
    expectError(await call(`${auditPath(t.tenantId)}/99999`, { cookie: t.viewer.cookie }), 404, "not_found");
    expectError(await call(`${auditPath(t.tenantId)}/abc`, { cookie: t.viewer.cookie }), 400, "validation_failed");
    expect((await call(`${auditPath(t.tenantId)}/archives`, { cookie: t.owner.cookie })).status).toBe(200);
  });
});

describe("verify", () => {
  it("an untouched chain is intact, with the head; a sub-range too; bad ranges are 400", async () => {
    const t = await seeded(5);
    const all = await verify(t.tenantId, t.viewer.cookie);
    expect(all.status).toBe(200);
    const entries = await allEntries(t.tenantId, t.viewer.cookie);
    // Verifying appends nothing, so the head is the newest entry listed.
    expect(all.body).toEqual({
      status: "intact",
      fromSeq: 1,
      toSeq: entries[0]!.seq,
      count: entries[0]!.seq,
      headSeq: entries[0]!.seq,
      headHash: linkHashAfter(entries[0]!),
    });
    expect((await verify(t.tenantId, t.viewer.cookie, { fromSeq: 3, toSeq: 5 })).body).toMatchObject({
      status: "intact",
      fromSeq: 3,
      toSeq: 5,
      count: 3,
    });
    expectError(await verify(t.tenantId, t.viewer.cookie, { fromSeq: 5, toSeq: 3 }), 400, "validation_failed");
    expectError(await verify(t.tenantId, t.viewer.cookie, { fromSeq: 0 }), 400, "validation_failed");
    expectError(await verify(t.tenantId, t.viewer.cookie, { fromSeq: 10_000 }), 400, "validation_failed");
    expectError(await verify(t.tenantId, t.viewer.cookie, { fromSeq: "1" }), 400, "validation_failed");
  });

  it("widens a range to whole blocks: a block of 20 from a relay verifies from any seq inside it", async () => {
    const t = await seeded(1);
    const at = Date.now();
    await emitAuditBatch(
      env,
      Array.from({ length: 20 }, (_, i) => ({
        ...ev(t.tenantId, { action: "relay.message_accepted" }),
        id: newId("audit", at + i),
        at: at + i,
      })),
    );
    const head = (await verify(t.tenantId, t.viewer.cookie)).body;
    expect((await verify(t.tenantId, t.viewer.cookie, { fromSeq: head.headSeq - 10, toSeq: head.headSeq - 5 })).body).toMatchObject({
      status: "intact",
      fromSeq: head.headSeq - 19,
      toSeq: head.headSeq,
      count: 20,
    });
  });

  it("detects an edited event (its hash no longer recomputes) and audits the failure", async () => {
    const t = await seeded(6);
    const stored = await entryAt(t.tenantId, 4, t.viewer.cookie);
    await tamper(t.tenantId, (db) => db.editEntry(4, (e) => ({ ...e, details: { edited: true } })));
    const res = await verify(t.tenantId, t.viewer.cookie);
    expect(res.body).toMatchObject({ status: "broken", firstBreak: { seq: 4, kind: "hash_mismatch", found: stored.hash } });
    expect(res.body.firstBreak.expected).not.toBe(stored.hash);
    const failures = await call(`${auditPath(t.tenantId)}?action=audit.chain_verify_failed`, { cookie: t.viewer.cookie });
    expect(failures.body.data[0]).toMatchObject({ severity: "critical", details: { seq: 4, kind: "hash_mismatch" } });
  });

  it("detects an entry of a relay's block edited with its own hash recomputed: the block's Merkle root no longer matches", async () => {
    const t = await seeded(1);
    const at = Date.now();
    await emitAuditBatch(
      env,
      Array.from({ length: 8 }, (_, i) => ({
        ...ev(t.tenantId, { action: "relay.message_accepted" }),
        id: newId("audit", at + i),
        at: at + i,
      })),
    );
    const head = (await verify(t.tenantId, t.viewer.cookie)).body.headSeq as number;
    const block = (await entryAt(t.tenantId, head, t.viewer.cookie)) as LedgerEntryV2;
    await tamper(t.tenantId, (db) => db.editEntry(head - 3, (e) => ({ ...e, action: "relay.message_denied" }), "leaf"));
    expect((await verify(t.tenantId, t.viewer.cookie)).body).toMatchObject({
      status: "broken",
      firstBreak: { seq: block.block.fromSeq, kind: "hash_mismatch", found: block.block.root },
    });
  });

  it("detects an edited link (a block's prevHash), whether or not its hash was recomputed", async () => {
    const t = await seeded(4);
    const two = await entryAt(t.tenantId, 2, t.viewer.cookie);
    await tamper(t.tenantId, (db) => {
      const link = db.link(3);
      db.writeLink(
        link,
        link.entries.map((e) => ({ ...e, block: { ...(e as LedgerEntryV2).block, prevHash: "f".repeat(64) } })),
      );
    });
    expect((await verify(t.tenantId, t.viewer.cookie)).body).toMatchObject({
      status: "broken",
      firstBreak: { seq: 3, kind: "prev_hash_mismatch", found: "f".repeat(64), expected: linkHashAfter(two) },
    });
    await tamper(t.tenantId, (db) => db.rehashBlock(db.link(3), db.link(3).entries as LedgerEntryV2[], "e".repeat(64)));
    expect((await verify(t.tenantId, t.viewer.cookie)).body).toMatchObject({
      status: "broken",
      firstBreak: { seq: 3, kind: "prev_hash_mismatch", found: "e".repeat(64) },
    });
  });

  it("detects a deleted event as a gap", async () => {
    const t = await seeded(6);
    await tamper(t.tenantId, (db) => db.deleteLink(5));
    expect((await verify(t.tenantId, t.viewer.cookie)).body).toEqual({
      status: "broken",
      firstBreak: { seq: 5, kind: "gap", expected: 5, found: 6 },
    });
  });

  it("detects an event removed from inside a block", async () => {
    const t = await seeded(1);
    const at = Date.now();
    await emitAuditBatch(
      env,
      Array.from({ length: 5 }, (_, i) => ({
        ...ev(t.tenantId, { action: "relay.message_accepted" }),
        id: newId("audit", at + i),
        at: at + i,
      })),
    );
    const head = (await verify(t.tenantId, t.viewer.cookie)).body.headSeq as number;
    await tamper(t.tenantId, (db) => {
      const link = db.link(head);
      db.writeLink(
        link,
        link.entries.filter((e) => e.seq !== head - 2),
      );
    });
    expect((await verify(t.tenantId, t.viewer.cookie)).body).toEqual({
      status: "broken",
      firstBreak: { seq: head - 2, kind: "gap", expected: head - 2, found: head - 1 },
    });
  });

  it("detects an inserted event whose own hashes and link are valid, at the link after it", async () => {
    const t = await seeded(6);
    const four = await entryAt(t.tenantId, 4, t.viewer.cookie);
    const head = (await verify(t.tenantId, t.viewer.cookie)).body.headSeq as number;
    const fake = forgeBlock(four, 5, linkHashAfter(four)!);
    await tamper(t.tenantId, (db) => {
      // Make room at seq 5: every later link moves up by one (as rows would be renumbered), then the forgery goes in.
      for (let seq = head; seq >= 5; seq--) {
        const link = db.link(seq);
        db.deleteLink(seq);
        db.insertLink(link.entries.map((e) => ({ ...(e as LedgerEntryV2), seq: e.seq + 1 })));
      }
      db.insertLink(fake);
    });
    // The forgery itself links and hashes correctly; the first link after it cannot (its seqs and hashes are the old ones).
    expect((await verify(t.tenantId, t.viewer.cookie)).body).toMatchObject({ status: "broken", firstBreak: { seq: 6 } });
  });

  it("detects reordered events", async () => {
    const t = await seeded(6);
    await tamper(t.tenantId, (db) => {
      const [a, b] = [db.link(4), db.link(5)];
      db.writeLink(a, b.entries, b.row);
      db.writeLink(b, a.entries, a.row);
    });
    expect((await verify(t.tenantId, t.viewer.cookie)).body).toEqual({
      status: "broken",
      firstBreak: { seq: 4, kind: "gap", expected: 4, found: 5 },
    });
  });

  it("detects a truncated chain (the newest events deleted) against the ledger's head", async () => {
    const t = await seeded(6);
    const head = (await verify(t.tenantId, t.viewer.cookie)).body.headSeq as number;
    await tamper(t.tenantId, (db) => {
      for (let seq = head; seq > head - 3; seq--) db.deleteLink(seq);
    });
    expect((await verify(t.tenantId, t.viewer.cookie)).body).toEqual({
      status: "broken",
      firstBreak: { seq: head - 2, kind: "truncated", expected: head, found: head - 3 },
    });
  });

  it("detects a suffix rewritten with recomputed hashes (consistent on its own) against the ledger's head", async () => {
    const t = await seeded(6);
    const head = (await verify(t.tenantId, t.viewer.cookie)).body;
    await rewriteFrom(t.tenantId, 4, head.headSeq);
    expect((await verify(t.tenantId, t.viewer.cookie)).body).toMatchObject({
      status: "broken",
      firstBreak: { seq: head.headSeq, kind: "hash_mismatch", expected: head.headHash },
    });
  });

  it("a rewrite that also rewrote the head is caught by the last archived day's checkpoint, at its seq", async () => {
    const t = await seeded(6);
    const five = await entryAt(t.tenantId, 5, t.viewer.cookie);
    // As the archiver leaves it after sealing a day that ended at seq 5 (the digest signs the same hash).
    await env.DB.prepare(
      "INSERT INTO audit_archive_checkpoints (chain_id, last_day, last_seq, last_hash, updated_at) VALUES (?, '2026-01-01', 5, ?, 0)",
    )
      .bind(t.tenantId, linkHashAfter(five))
      .run();
    const head = (await verify(t.tenantId, t.viewer.cookie)).body.headSeq as number;
    const newHead = await rewriteFrom(t.tenantId, 4, head);
    await tamper(t.tenantId, (db) => db.setHead(head, newHead));
    expect((await verify(t.tenantId, t.viewer.cookie)).body).toMatchObject({
      status: "broken",
      firstBreak: { seq: 5, kind: "hash_mismatch", expected: linkHashAfter(five) },
    });
  });

  it("detects an event forged after the head", async () => {
    const t = await seeded(2);
    const head = (await verify(t.tenantId, t.viewer.cookie)).body;
    const last = await entryAt(t.tenantId, head.headSeq, t.viewer.cookie);
    const fake = forgeBlock(last, head.headSeq + 1, head.headHash);
    await tamper(t.tenantId, (db) => db.insertLink(fake));
    expect((await verify(t.tenantId, t.viewer.cookie)).body).toEqual({
      status: "broken",
      firstBreak: { seq: head.headSeq + 1, kind: "unexpected_entry", expected: null, found: fake[0]!.block.hash },
    });
  });
});

/** Rewrites links fromSeq..toSeq (single-entry blocks) with a changed first action and every hash recomputed; answers the new last hash. */
async function rewriteFrom(tenantId: string, fromSeq: number, toSeq: number): Promise<string> {
  return tamper(tenantId, (db) => {
    let prevHash = db.link(fromSeq - 1).row.hash;
    for (let seq = fromSeq; seq <= toSeq; seq++) {
      const edited = db.editEntry(seq, (e) => (seq === fromSeq ? { ...e, action: "nothing.happened" } : e), "leaf");
      prevHash = db.rehashBlock(edited, db.link(seq).entries as LedgerEntryV2[], prevHash).row.hash;
    }
    return prevHash;
  });
}

describe("export", () => {
  it("JSONL: an attachment of LedgerEntry lines that round-trip through verifyChain; audited", async () => {
    const t = await seeded(120);
    const res = await fetchExport(t.tenantId, t.admin.cookie, "format=jsonl");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    expect(res.headers.get("content-disposition")).toMatch(new RegExp(`^attachment; filename="audit-${t.tenantId}-1-\\d+\\.jsonl"$`));
    const lines = (await res.text()).trimEnd().split("\n");
    const entries = lines.map((l) => ledgerEntrySchema.parse(JSON.parse(l)));
    expect(entries.length).toBeGreaterThan(120);
    expect(await verifyChain(entries, { prevHash: GENESIS_HASH, prevSeq: 0 })).toMatchObject({ ok: true, count: entries.length });
    const exported = await call(`${auditPath(t.tenantId)}?action=audit.exported`, { cookie: t.admin.cookie });
    expect(exported.body.data[0]).toMatchObject({
      actor: { id: t.admin.id },
      details: { format: "jsonl", fromSeq: 1, toSeq: entries.length },
    });
  });

  it("JSONL for a seq range and for a time range is a contiguous, verifiable piece of the chain", async () => {
    const t = await seeded(10);
    const ranged = await (await fetchExport(t.tenantId, t.owner.cookie, "fromSeq=3&toSeq=8")).text();
    const entries = ranged
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as LedgerEntry);
    expect(entries.map((e) => e.seq)).toEqual([3, 4, 5, 6, 7, 8]);
    const anchor = (await call(`${auditPath(t.tenantId)}/2`, { cookie: t.owner.cookie })).body.entry as LedgerEntry;
    expect(await verifyChain(entries, { prevHash: linkHashAfter(anchor)!, prevSeq: 2 })).toMatchObject({ ok: true, count: 6 });

    const e5 = (await call(`${auditPath(t.tenantId)}/5`, { cookie: t.owner.cookie })).body.entry as LedgerEntry;
    const byTime = await (
      await fetchExport(t.tenantId, t.owner.cookie, `from=${e5.at}&to=${encodeURIComponent(new Date(e5.at + 1).toISOString())}`)
    ).text();
    const seqs = byTime
      .trimEnd()
      .split("\n")
      .map((l) => (JSON.parse(l) as LedgerEntry).seq);
    expect(seqs).toContain(5);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
  });

  it("CSV: a header row, RFC 4180 quoting, and formula-looking cells defused", async () => {
    const t = await tenantWithRoles();
    await emitAudit(
      env,
      ev(t.tenantId, {
        action: "widget.renamed",
        actor: { type: "user", id: "usr_q", name: 'Ada "the, first"\nLovelace' },
        userAgent: '=HYPERLINK("http://evil")',
        details: { note: "a,b" },
      }),
    );
    const res = await fetchExport(t.tenantId, t.owner.cookie, "format=csv");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("content-disposition")).toMatch(/\.csv"$/);
    const text = await res.text();
    expect(text.split("\r\n")[0]).toBe(
      "seq,id,at,at_ms,chain_id,tenant_id,actor_type,actor_id,actor_name,action,target_type,target_id,severity,outcome,details,ip,user_agent,prev_hash,hash,scheme,block_from_seq,block_to_seq,block_root,block_hash",
    );
    expect(text).toContain(',"Ada ""the, first""\nLovelace",widget.renamed,');
    expect(text).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(text).toContain(`"{""note"":""a,b""}"`);
    expect(text.endsWith("\r\n")).toBe(true);
  });

  it("needs audit:export (admins and owners): members and viewers 403; bad query 400; another tenant 404", async () => {
    const t = await seeded(1);
    expectError(await call(`${auditPath(t.tenantId)}/export`, { cookie: t.member.cookie }), 403, "forbidden");
    expectError(await call(`${auditPath(t.tenantId)}/export`, { cookie: t.viewer.cookie }), 403, "forbidden");
    expectError(await call(`${auditPath(t.tenantId)}/export?format=xml`, { cookie: t.owner.cookie }), 400, "validation_failed");
    expectError(await call(`${auditPath(t.tenantId)}/export?fromSeq=9&toSeq=2`, { cookie: t.owner.cookie }), 400, "validation_failed");
    const other = await tenantWithRoles();
    expectError(await call(`${auditPath(t.tenantId)}/export`, { cookie: other.owner.cookie }), 404, "not_found");
  });
});

/** The raw response (streamed body, headers); `text` decodes it as UTF-8 whatever the content type. */
async function fetchExport(tenantId: string, cookie: string, query: string): Promise<Response & { text(): Promise<string> }> {
  const res = await exports.default.fetch(new Request(`${BASE}${auditPath(tenantId)}/export?${query}`, { headers: { cookie } }));
  return Object.assign(res, { text: async () => new TextDecoder().decode(await res.arrayBuffer()) });
}
