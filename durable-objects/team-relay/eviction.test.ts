/**
 * What eviction does and does not prove (see docs/relay.md): `evictDurableObject` tears the
 * instance down gracefully — in-memory state is gone, storage and hibernated sockets stay. These
 * tests poison the in-memory caches first, so an answer that comes from memory instead of SQL or
 * the socket attachment fails. A crash mid-write is not simulated here.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CompiledAllowlist } from "../../workers/shared/relay/allowlist";
import { agentEdge, join, relayFixture, relayStub, setAllowlist } from "../../test/workers/relay-harness";
import type { TeamRelay } from "./team-relay";

async function poison(teamId: string): Promise<void> {
  await runInDurableObject(relayStub(teamId), (relay: TeamRelay) => {
    relay.head = -1_000;
    relay.allowlist = new CompiledAllowlist({ edges: [], topics: [] });
    relay.teamId = "team_poisoned";
  });
}

const auditRows = async (teamId: string) =>
  (await env.DB.prepare("select id, action, outcome, actor_id, details from audit_events where action like 'relay.%' and json_extract(details, '$.teamId') = ? order by id").bind(teamId).all<Record<string, any>>()).results.map((r) => ({ ...r, details: JSON.parse(r.details) }) as Record<string, any>);

describe("eviction mid-stream", () => {
  it("loses nothing accepted, keeps the seq monotonic, and hibernated sockets keep their identity", async () => {
    const f = await relayFixture([{}, {}]);
    const [a, b] = f.agents as [typeof f.agents[0], typeof f.agents[0]];
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
    const welcome = await runInDurableObject(relayStub(f.teamId), (relay: TeamRelay, state) => ({
      teamId: relay.teamId,
      attachments: state.getWebSockets().map((ws) => ws.deserializeAttachment()),
    }));
    expect(welcome.teamId).toBe(f.teamId);
    expect(welcome.attachments).toEqual(expect.arrayContaining([expect.objectContaining({ kind: "agent", agentId: a.id, ready: true }), expect.objectContaining({ kind: "agent", agentId: b.id, ready: true })]));
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

describe("audit staging", () => {
  it("stages accepted and denied decisions with the body hash, flushes them in a batch by alarm, none lost across eviction, no duplicates on a re-run", async () => {
    const f = await relayFixture([{}, {}]);
    const [a, b] = f.agents as [typeof f.agents[0], typeof f.agents[0]];
    await setAllowlist(f, { edges: [agentEdge(a, b)] });
    const alice = await join(f, a);
    alice.send({ type: "send", id: "ok1", to: b.id, body: { hello: "world" } });
    const { seq } = await alice.next({ type: "accepted", id: "ok1" });
    await setAllowlist(f, { edges: [] });
    alice.send({ type: "send", id: "no1", to: b.id, body: "x" });
    await alice.next({ type: "denied", id: "no1" });

    // Nothing in D1 yet: the hot path wrote only to the relay's SQLite.
    expect(await auditRows(f.teamId)).toEqual([]);
    const staged = await runInDurableObject(relayStub(f.teamId), (_: TeamRelay, state) => state.storage.sql.exec("SELECT count(*) AS n FROM audit_outbox").one().n);
    expect(staged).toBe(2);

    await poison(f.teamId);
    await evictDurableObject(relayStub(f.teamId), { webSockets: "hibernate" });
    expect(await runDurableObjectAlarm(relayStub(f.teamId))).toBe(true);

    const rows = await auditRows(f.teamId);
    expect(rows.map((r) => [r.action, r.outcome, r.actor_id])).toEqual([
      ["relay.message_accepted", "success", a.id],
      ["relay.message_denied", "denied", a.id],
    ]);
    const expectedHash = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify({ hello: "world" }))))].map((x) => x.toString(16).padStart(2, "0")).join("");
    expect(rows[0]!.details).toMatchObject({ seq, kind: "direct", clientId: "ok1", to: [b.id], bodySha256: expectedHash, teamId: f.teamId });
    expect(rows[1]!.details).toMatchObject({ clientId: "no1", code: "not_allowed" });
    expect(await runInDurableObject(relayStub(f.teamId), (_: TeamRelay, state) => state.storage.sql.exec("SELECT count(*) AS n FROM audit_outbox").one().n)).toBe(0);

    // A flush repeated after D1 already has the rows (the at-least-once case) adds nothing.
    await runInDurableObject(relayStub(f.teamId), async (relay: TeamRelay, state) => {
      const events = rows.map((r) => ({ id: r.id }));
      for (const e of events) state.storage.sql.exec("INSERT INTO audit_outbox (id, event) VALUES (?, ?)", e.id, JSON.stringify({ id: e.id, at: 1, tenantId: f.tenantId, actor: { type: "agent", id: a.id, name: null }, action: "relay.message_accepted", details: { teamId: f.teamId }, ip: null, userAgent: null }));
      await relay.alarm();
    });
    expect((await auditRows(f.teamId)).length).toBe(2);
  });
});
