/**
 * What eviction does and does not prove (see docs/relay.md): `evictDurableObject` tears the
 * instance down gracefully — in-memory state is gone, storage and hibernated sockets stay. These
 * tests poison the in-memory caches first, so an answer that comes from memory instead of SQL or
 * the socket attachment fails. A crash mid-write is not simulated here.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CompiledAllowlist } from "../../workers/shared/relay/allowlist";
import { agentEdge, join, relayFixture, relayStub, setAllowlist } from "../../test/workers/relay-harness";
import { acceptedEventId } from "./audit-staging";
import { purgeExpired } from "./delivery";
import type { TeamRelay } from "./team-relay";
import { auditResults } from "../../test/workers/audit-view";

async function poison(teamId: string): Promise<void> {
  await runInDurableObject(relayStub(teamId), (relay: TeamRelay) => {
    relay.core.head = -1_000;
    relay.core.allowlist = new CompiledAllowlist({ edges: [], topics: [] });
    relay.core.teamId = "team_poisoned";
  });
}

/** The relay's audit events as the audit trail's D1 window holds them (after the ledger's mirror caught up). */
const auditRows = async (f: { tenantId: string; teamId: string }) => {
  return (
    await auditResults<Record<string, any>>(
      "select id, action, outcome, actor_id, details from audit_events where action like 'relay.%' and json_extract(details, '$.teamId') = ? order by id",
      f.teamId,
    )
  ).results.map((r) => ({ ...r, details: JSON.parse(r.details) }) as Record<string, any>);
};

describe("eviction mid-stream", () => {
  it("loses nothing accepted, keeps the seq monotonic, and hibernated sockets keep their identity", async () => {
    const f = await relayFixture([{}, {}]);
    const [a, b] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0]];
    await setAllowlist(f, { edges: [agentEdge(a, b)] });
    const alice = await join(f, a);
    const bob = await join(f, b);
    const seqs: number[] = [];
    for (let i = 0; i < 3; i++) {
      alice.send({ type: "send", id: `e${i}`, to: b.id, body: i });
      seqs.push((await alice.next({ type: "accepted", id: `e${i}` })).seq);
    }
    await poison(f.teamId);
    await evictDurableObject(relayStub(f.teamId), { webSockets: "hibernate" });

    // Same sockets, new instance: identity comes from the attachment, head and allowlist from SQL.
    for (let i = 3; i < 6; i++) {
      alice.send({ type: "send", id: `e${i}`, to: b.id, body: i });
      seqs.push((await alice.next({ type: "accepted", id: `e${i}` })).seq);
    }
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(new Set(seqs).size).toBe(6);
    const live: number[] = [];
    for (let i = 0; i < 6; i++) live.push((await bob.next({ type: "deliver" })).body);
    expect(live).toEqual([0, 1, 2, 3, 4, 5]);
    // Idempotency survives too: the new instance rebuilt its (sender, client id) index from the log.
    alice.send({ type: "send", id: "e1", to: b.id, body: "retry of e1" });
    expect((await alice.next({ type: "accepted", id: "e1" })).seq).toBe(seqs[1]);
    await bob.none({ type: "deliver" });
    const welcome = await runInDurableObject(relayStub(f.teamId), (relay: TeamRelay, state) => ({
      teamId: relay.core.teamId,
      attachments: state.getWebSockets().map((ws) => ws.deserializeAttachment()),
    }));
    expect(welcome.teamId).toBe(f.teamId);
    expect(welcome.attachments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: "agent", agentId: a.id, ready: true }),
        expect.objectContaining({ kind: "agent", agentId: b.id, ready: true }),
      ]),
    );
    for (const att of welcome.attachments) expect(JSON.stringify(att).length).toBeLessThan(2048);

    // A reconnect after another eviction replays everything unacked, in order.
    bob.close();
    await poison(f.teamId);
    await evictDurableObject(relayStub(f.teamId), { webSockets: "close" });
    const again = await join(f, b);
    const replay: number[] = [];
    for (let i = 0; i < 6; i++) replay.push((await again.next({ type: "deliver" })).seq);
    expect(replay).toEqual(seqs);
  });
});

describe("audit of accepted messages: derived from the log by a flush cursor", () => {
  const outboxCount = (teamId: string) =>
    runInDurableObject(
      relayStub(teamId),
      (_: TeamRelay, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM audit_outbox").one().n,
    );
  const flushedSeq = (teamId: string) => runInDurableObject(relayStub(teamId), (relay: TeamRelay) => relay.core.cursors.audit);

  it("accepted messages stage nothing extra; denials go to the outbox; the alarm flushes both after an eviction, with ids derived from (team, seq); a repeated flush adds nothing", async () => {
    const f = await relayFixture([{}, {}]);
    const [a, b] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0]];
    await setAllowlist(f, { edges: [agentEdge(a, b)] });
    const alice = await join(f, a);
    // The test runs the alarm itself: with the default 500 ms flush delay, a loaded machine could
    // flush before the "nothing in D1 yet" checks below.
    await runInDurableObject(relayStub(f.teamId), (relay: TeamRelay) => {
      relay.core.limits.auditFlushDelayMs = 60_000;
    });
    alice.send({ type: "send", id: "ok1", to: b.id, body: { hello: "world" } });
    const { seq } = await alice.next({ type: "accepted", id: "ok1" });
    alice.send({ type: "send", id: "ok2", to: b.id, body: [2] });
    const { seq: seq2 } = await alice.next({ type: "accepted", id: "ok2" });
    await setAllowlist(f, { edges: [] });
    alice.send({ type: "send", id: "no1", to: b.id, body: "x" });
    await alice.next({ type: "denied", id: "no1" });

    // Nothing in D1 yet: the hot path wrote only to the relay's SQLite — the messages themselves,
    // and an outbox row for the denial only (it has no message row to derive it from).
    expect(await auditRows(f)).toEqual([]);
    expect(await outboxCount(f.teamId)).toBe(1);
    expect(await flushedSeq(f.teamId)).toBe(0);

    await poison(f.teamId);
    await evictDurableObject(relayStub(f.teamId), { webSockets: "hibernate" });
    expect(await runDurableObjectAlarm(relayStub(f.teamId))).toBe(true);

    const rows = await auditRows(f);
    expect(rows.map((r) => [r.action, r.outcome, r.actor_id, r.details.clientId])).toEqual([
      ["relay.message_accepted", "success", a.id, "ok1"],
      ["relay.message_accepted", "success", a.id, "ok2"],
      ["relay.message_denied", "denied", a.id, "no1"],
    ]);
    const expectedHash = [
      ...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify({ hello: "world" })))),
    ]
      .map((x) => x.toString(16).padStart(2, "0"))
      .join("");
    expect(rows[0]!.details).toEqual({
      teamId: f.teamId,
      seq,
      kind: "direct",
      clientId: "ok1",
      to: [b.id],
      recipient: b.id,
      bodySha256: expectedHash,
      bytes: JSON.stringify({ hello: "world" }).length,
    });
    expect(rows[2]!.details).toMatchObject({ clientId: "no1", code: "not_allowed" });
    // Deterministic ids: the same (team, seq) always gives the same id.
    const createdAt = await runInDurableObject(
      relayStub(f.teamId),
      (_: TeamRelay, state) =>
        state.storage.sql.exec<{ created_at: number }>("SELECT created_at FROM messages WHERE seq = ?", seq).one().created_at,
    );
    expect(rows[0]!.id).toBe(acceptedEventId(f.teamId, seq, createdAt));
    expect(await outboxCount(f.teamId)).toBe(0);
    expect(await flushedSeq(f.teamId)).toBe(seq2);

    // The cursor is persisted lazily (cursors.ts): a crash or an eviction before it is written
    // leaves it behind, and the next flush rebuilds the same events with the same ids — the audit
    // trail keeps one of each. Same for an outbox row whose delete was lost.
    await runInDurableObject(relayStub(f.teamId), async (relay: TeamRelay, state) => {
      relay.core.cursors.forgetUnpersistedAudit();
      const denied = rows[2]!;
      state.storage.sql.exec(
        "INSERT INTO audit_outbox (id, event) VALUES (?, ?)",
        denied.id,
        JSON.stringify({
          id: denied.id,
          at: 1,
          tenantId: f.tenantId,
          actor: { type: "agent", id: a.id, name: null },
          action: "relay.message_denied",
          details: { teamId: f.teamId },
          ip: null,
          userAgent: null,
        }),
      );
      await relay.alarm();
    });
    expect((await auditRows(f)).map((r) => r.id)).toEqual(rows.map((r) => r.id));
    expect(await flushedSeq(f.teamId)).toBe(seq2);
    expect(await outboxCount(f.teamId)).toBe(0);
    // And across an eviction: the woken relay re-arms its alarm for the unpersisted flush and repeats it harmlessly.
    await evictDurableObject(relayStub(f.teamId), { webSockets: "hibernate" });
    await runDurableObjectAlarm(relayStub(f.teamId));
    expect((await auditRows(f)).map((r) => r.id)).toEqual(rows.map((r) => r.id));
  });

  it("an expired message is not purged before its audit event is flushed", async () => {
    const f = await relayFixture([{}, {}]);
    const [a, b] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0]];
    await setAllowlist(f, { edges: [agentEdge(a, b)] });
    // Hold the automatic flush back for this test: it runs the alarm itself, after the purge.
    await runInDurableObject(relayStub(f.teamId), (relay: TeamRelay) => {
      relay.core.limits.auditFlushDelayMs = 60_000;
    });
    const alice = await join(f, a);
    const seqs: number[] = [];
    for (const [id, ttlSeconds] of [
      ["short1", 1],
      ["short2", 1],
      ["long", 3600],
    ] as const) {
      alice.send({ type: "send", id, to: b.id, body: { id }, ttlSeconds });
      seqs.push((await alice.next({ type: "accepted", id })).seq);
    }
    await new Promise((r) => setTimeout(r, 1100));
    // A purge while the events are unflushed leaves every row (and body) in place.
    const left = await runInDurableObject(relayStub(f.teamId), (relay: TeamRelay, state) => {
      purgeExpired(relay.core.sql, relay.core.head, Date.now(), relay.core.cursors.persistedAudit);
      return state.storage.sql.exec<{ seq: number; body: string }>("SELECT seq, body FROM messages ORDER BY seq").toArray();
    });
    expect(left.map((m) => m.seq)).toEqual(seqs);
    // The alarm flushes first, then purges what is both expired and flushed.
    await runInDurableObject(relayStub(f.teamId), (relay: TeamRelay) => relay.alarm());
    const rows = await auditRows(f);
    expect(rows.map((r) => r.details.clientId)).toEqual(["short1", "short2", "long"]);
    const hashOf = async (v: unknown) =>
      [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify(v))))]
        .map((x) => x.toString(16).padStart(2, "0"))
        .join("");
    expect(rows[0]!.details.bodySha256).toBe(await hashOf({ id: "short1" }));
    const after = await runInDurableObject(relayStub(f.teamId), (_: TeamRelay, state) =>
      state.storage.sql
        .exec<{ seq: number }>("SELECT seq FROM messages ORDER BY seq")
        .toArray()
        .map((m) => m.seq),
    );
    expect(after).toEqual([seqs[2]]);
  });
});
