/**
 * The audit API in workerd: list/filters/pagination, one entry, verify against tampering of D1's
 * rows (edited, deleted, inserted, reordered, truncated, a rewritten suffix, a forged tail),
 * streamed JSONL/CSV export, and the access rules (cross-tenant 404, role 403, bad input 400).
 */
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { GENESIS_HASH, hashEntry, ledgerEntrySchema, verifyChain, type LedgerEntry } from "../../../../shared/audit/chain";
import { emitAudit, type AuditEvent } from "../../../../shared/audit/emit";
import { BASE, call, createTenant, expectError, signup, tenantWithRoles } from "../../../../../test/workers/harness";

const auditPath = (tenantId: string) => `/v1/tenants/${tenantId}/audit`;

function ev(tenantId: string, overrides: Partial<AuditEvent> = {}): AuditEvent {
  return { tenantId, actor: { type: "user", id: "usr_alice", name: "alice@example.test" }, action: "widget.created", ip: "203.0.113.9", userAgent: "vitest", ...overrides };
}

/** A tenant whose chain holds the sign-up events plus `extra` events emitted through the emit point. */
async function seeded(extra = 0) {
  const t = await tenantWithRoles();
  for (let i = 0; i < extra; i++) await emitAudit(env, ev(t.tenantId, { action: `widget.step_${i}`, target: { type: "widget", id: `wid_${i}` } }));
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

// ---- tampering D1 directly, as someone with database access would

async function row(tenantId: string, seq: number): Promise<Record<string, any>> {
  return (await env.DB.prepare("SELECT * FROM audit_events WHERE chain_id = ? AND seq = ?").bind(tenantId, seq).first())!;
}

async function shiftSeqs(tenantId: string, fromSeq: number, by: number) {
  // One row at a time, highest first, so the unique (chain_id, seq) index never collides.
  const { results } = await env.DB.prepare("SELECT seq FROM audit_events WHERE chain_id = ? AND seq >= ? ORDER BY seq DESC").bind(tenantId, fromSeq).all<{ seq: number }>();
  for (const r of results) await env.DB.prepare("UPDATE audit_events SET seq = ? WHERE chain_id = ? AND seq = ?").bind(r.seq + by, tenantId, r.seq).run();
}

async function insertEntry(e: LedgerEntry) {
  await env.DB.prepare(
    "INSERT INTO audit_events (id, tenant_id, at, actor_type, actor_id, actor_name, action, target_type, target_id, severity, outcome, details, ip, user_agent, chain_id, seq, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
  )
    .bind(e.id, e.tenantId, e.at, e.actor.type, e.actor.id, e.actor.name, e.action, e.target?.type ?? null, e.target?.id ?? null, e.severity, e.outcome, JSON.stringify(e.details), e.ip, e.userAgent, e.chainId, e.seq, e.prevHash, e.hash)
    .run();
}

async function forged(after: LedgerEntry, seq: number, action = "money.moved"): Promise<LedgerEntry> {
  const body = { ...after, id: `aud_FORGED${seq}`, seq, prevHash: after.hash, action, at: after.at + 1 };
  return { ...body, hash: await hashEntry(body) };
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
    await emitAudit(env, ev(t.tenantId, { action: "agent.suspended", actor: { type: "agent", id: "agt_x", name: null }, severity: "critical", target: { type: "agent", id: "agt_y" }, at: base }));
    await emitAudit(env, ev(t.tenantId, { action: "relay.message_denied", outcome: "denied", severity: "warning", at: base + 1000 }));
    await emitAudit(env, ev(t.tenantId, { action: "auth.login_failed", outcome: "failure", actor: { type: "anonymous", id: null, name: null }, at: base + 2000 }));
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
    expect(await q(`from=${encodeURIComponent(new Date(base + 1000).toISOString())}&to=${encodeURIComponent(new Date(base + 1001).toISOString())}`)).toEqual(["relay.message_denied"]);
    expect(await q("q=LOGIN")).toEqual(["auth.login_failed"]);
    expect(await q("q=%25")).toEqual([]); // literal, not a LIKE wildcard
    expect(await q("outcome=denied&severity=critical")).toEqual([]);
  });

  it("bad filters answer 400 validation_failed", async () => {
    const t = await tenantWithRoles();
    for (const query of ["severity=fatal", "limit=101", "limit=0", "from=yesterday", "from=2026-13-01T00:00:00Z", "actorType=robot", "nope=1", "from=2000&to=1000", "cursor=garbage", "q="]) {
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
    expect(res.body.entry.prevHash).toBe(GENESIS_HASH);
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
    expect(all.body).toEqual({ status: "intact", fromSeq: 1, toSeq: entries[0]!.seq, count: entries[0]!.seq, headSeq: entries[0]!.seq, headHash: entries[0]!.hash });
    expect((await verify(t.tenantId, t.viewer.cookie, { fromSeq: 3, toSeq: 5 })).body).toMatchObject({ status: "intact", fromSeq: 3, toSeq: 5, count: 3 });
    expectError(await verify(t.tenantId, t.viewer.cookie, { fromSeq: 5, toSeq: 3 }), 400, "validation_failed");
    expectError(await verify(t.tenantId, t.viewer.cookie, { fromSeq: 0 }), 400, "validation_failed");
    expectError(await verify(t.tenantId, t.viewer.cookie, { fromSeq: 10_000 }), 400, "validation_failed");
    expectError(await verify(t.tenantId, t.viewer.cookie, { fromSeq: "1" }), 400, "validation_failed");
  });

  it("while D1 refuses the mirror, verify covers what D1 should hold (not 'truncated'); once D1 is back it covers the head", async () => {
    const t = await seeded(2);
    const trigger = `fail_${t.tenantId}`;
    await env.DB.prepare(`CREATE TRIGGER ${trigger} BEFORE INSERT ON audit_events WHEN NEW.chain_id = '${t.tenantId}' BEGIN SELECT RAISE(ABORT, 'injected D1 failure'); END`).run();
    try {
      await emitAudit(env, ev(t.tenantId, { action: "widget.while_d1_down" })); // acknowledged: durable in the ledger
      const during = (await verify(t.tenantId, t.viewer.cookie)).body;
      expect(during).toMatchObject({ status: "intact", fromSeq: 1 });
      expect(during.toSeq).toBe(during.headSeq - 1);
    } finally {
      await env.DB.prepare(`DROP TRIGGER ${trigger}`).run();
    }
    const after = (await verify(t.tenantId, t.viewer.cookie)).body;
    expect(after).toMatchObject({ status: "intact", fromSeq: 1 });
    expect(after.toSeq).toBe(after.headSeq);
    expect((await call(`${auditPath(t.tenantId)}/${after.headSeq}`, { cookie: t.viewer.cookie })).body.entry.action).toBe("widget.while_d1_down");
  });

  it("detects an edited event (its hash no longer recomputes) and audits the failure", async () => {
    const t = await seeded(6);
    const r = await row(t.tenantId, 4);
    await env.DB.prepare("UPDATE audit_events SET details = ? WHERE id = ?").bind(JSON.stringify({ edited: true }), r.id).run();
    const res = await verify(t.tenantId, t.viewer.cookie);
    expect(res.body).toMatchObject({ status: "broken", firstBreak: { seq: 4, kind: "hash_mismatch", found: r.hash } });
    expect(res.body.firstBreak.expected).not.toBe(r.hash);
    const failures = await call(`${auditPath(t.tenantId)}?action=audit.chain_verify_failed`, { cookie: t.viewer.cookie });
    expect(failures.body.data[0]).toMatchObject({ severity: "critical", details: { seq: 4, kind: "hash_mismatch" } });
  });

  it("detects an edited prevHash", async () => {
    const t = await seeded(4);
    await env.DB.prepare("UPDATE audit_events SET prev_hash = ? WHERE chain_id = ? AND seq = 3").bind("f".repeat(64), t.tenantId).run();
    expect((await verify(t.tenantId, t.viewer.cookie)).body).toMatchObject({ status: "broken", firstBreak: { seq: 3, kind: "prev_hash_mismatch", found: "f".repeat(64), expected: (await row(t.tenantId, 2)).hash } });
  });

  it("detects a deleted event as a gap", async () => {
    const t = await seeded(6);
    await env.DB.prepare("DELETE FROM audit_events WHERE chain_id = ? AND seq = 5").bind(t.tenantId).run();
    expect((await verify(t.tenantId, t.viewer.cookie)).body).toEqual({ status: "broken", firstBreak: { seq: 5, kind: "gap", expected: 5, found: 6 } });
  });

  it("detects an inserted event, even one whose own hash and link are valid", async () => {
    const t = await seeded(6);
    const before = (await call(`${auditPath(t.tenantId)}/4`, { cookie: t.viewer.cookie })).body.entry as LedgerEntry;
    await shiftSeqs(t.tenantId, 5, 1);
    await insertEntry(await forged(before, 5));
    expect((await verify(t.tenantId, t.viewer.cookie)).body).toMatchObject({ status: "broken", firstBreak: { seq: 5, kind: "hash_mismatch" } });
  });

  it("detects reordered events", async () => {
    const t = await seeded(6);
    const [a, b] = [await row(t.tenantId, 4), await row(t.tenantId, 5)];
    await env.DB.prepare("UPDATE audit_events SET seq = -1 WHERE id = ?").bind(a.id).run();
    await env.DB.prepare("UPDATE audit_events SET seq = 4 WHERE id = ?").bind(b.id).run();
    await env.DB.prepare("UPDATE audit_events SET seq = 5 WHERE id = ?").bind(a.id).run();
    expect((await verify(t.tenantId, t.viewer.cookie)).body).toMatchObject({ status: "broken", firstBreak: { seq: 4, kind: "prev_hash_mismatch", expected: (await row(t.tenantId, 3)).hash, found: b.prev_hash } });
  });

  it("detects a truncated chain (the newest events deleted) against the ledger's head", async () => {
    const t = await seeded(6);
    const head = (await verify(t.tenantId, t.viewer.cookie)).body.headSeq as number;
    await env.DB.prepare("DELETE FROM audit_events WHERE chain_id = ? AND seq > ?").bind(t.tenantId, head - 3).run();
    expect((await verify(t.tenantId, t.viewer.cookie)).body).toEqual({ status: "broken", firstBreak: { seq: head - 2, kind: "truncated", expected: head, found: head - 3 } });
  });

  it("detects a suffix rewritten with recomputed hashes (consistent on its own) against the ledger's copy", async () => {
    const t = await seeded(6);
    const head = (await verify(t.tenantId, t.viewer.cookie)).body.headSeq as number;
    let prev = (await call(`${auditPath(t.tenantId)}/3`, { cookie: t.viewer.cookie })).body.entry as LedgerEntry;
    for (let seq = 4; seq <= head; seq++) {
      const original = (await call(`${auditPath(t.tenantId)}/${seq}`, { cookie: t.viewer.cookie })).body.entry as LedgerEntry;
      const body = { ...original, prevHash: prev.hash, action: seq === 4 ? "nothing.happened" : original.action };
      const rewritten = { ...body, hash: await hashEntry(body) };
      await env.DB.prepare("UPDATE audit_events SET action = ?, prev_hash = ?, hash = ? WHERE id = ?").bind(rewritten.action, rewritten.prevHash, rewritten.hash, original.id).run();
      prev = rewritten;
    }
    expect((await verify(t.tenantId, t.viewer.cookie)).body).toMatchObject({ status: "broken", firstBreak: { seq: 4, kind: "hash_mismatch", found: (await row(t.tenantId, 4)).hash } });
  });

  it("detects an event forged after the head", async () => {
    const t = await seeded(2);
    const head = (await verify(t.tenantId, t.viewer.cookie)).body;
    const last = (await call(`${auditPath(t.tenantId)}/${head.headSeq}`, { cookie: t.viewer.cookie })).body.entry as LedgerEntry;
    const fake = await forged(last, head.headSeq + 1);
    await insertEntry(fake);
    expect((await verify(t.tenantId, t.viewer.cookie)).body).toEqual({ status: "broken", firstBreak: { seq: head.headSeq + 1, kind: "unexpected_entry", expected: null, found: fake.hash } });
  });
});

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
    expect(exported.body.data[0]).toMatchObject({ actor: { id: t.admin.id }, details: { format: "jsonl", fromSeq: 1, toSeq: entries.length } });
  });

  it("JSONL for a seq range and for a time range is a contiguous, verifiable piece of the chain", async () => {
    const t = await seeded(10);
    const ranged = await (await fetchExport(t.tenantId, t.owner.cookie, "fromSeq=3&toSeq=8")).text();
    const entries = ranged.trimEnd().split("\n").map((l) => JSON.parse(l) as LedgerEntry);
    expect(entries.map((e) => e.seq)).toEqual([3, 4, 5, 6, 7, 8]);
    const anchor = (await call(`${auditPath(t.tenantId)}/2`, { cookie: t.owner.cookie })).body.entry as LedgerEntry;
    expect(await verifyChain(entries, { prevHash: anchor.hash, prevSeq: 2 })).toMatchObject({ ok: true, count: 6 });

    const e5 = (await call(`${auditPath(t.tenantId)}/5`, { cookie: t.owner.cookie })).body.entry as LedgerEntry;
    const byTime = await (await fetchExport(t.tenantId, t.owner.cookie, `from=${e5.at}&to=${encodeURIComponent(new Date(e5.at + 1).toISOString())}`)).text();
    const seqs = byTime.trimEnd().split("\n").map((l) => (JSON.parse(l) as LedgerEntry).seq);
    expect(seqs).toContain(5);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
  });

  it("CSV: a header row, RFC 4180 quoting, and formula-looking cells defused", async () => {
    const t = await tenantWithRoles();
    await emitAudit(env, ev(t.tenantId, { action: "widget.renamed", actor: { type: "user", id: "usr_q", name: 'Ada "the, first"\nLovelace' }, userAgent: "=HYPERLINK(\"http://evil\")", details: { note: "a,b" } }));
    const res = await fetchExport(t.tenantId, t.owner.cookie, "format=csv");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(res.headers.get("content-disposition")).toMatch(/\.csv"$/);
    const text = await res.text();
    expect(text.split("\r\n")[0]).toBe("seq,id,at,at_ms,chain_id,tenant_id,actor_type,actor_id,actor_name,action,target_type,target_id,severity,outcome,details,ip,user_agent,prev_hash,hash");
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
