/**
 * What a woken relay reads, and what it must not forget. A woken relay rebuilds its memory from
 * the team's size (members, subscriptions, open requests, cursors, sockets) and from at most one
 * idempotency segment of its log — never by scanning the log — and still recognises a retried id
 * from anywhere in the log. Acks are persisted lazily: one travelling in a socket's attachment
 * survives an eviction; one whose socket closed was written at the close.
 *
 * The log here is written straight into SQL (5,000 rows), so the test measures what a wake reads,
 * not how fast this machine relays; the bench measures wake-up time with 1,000 and 100,000 messages.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { agentEdge, connectAgent, join, relayFixture, relayStub, setAllowlist, tokenFor } from "../../test/workers/relay-harness";
import { IDEMPOTENCY_SEGMENT } from "./idempotency";
import type { TeamRelay } from "./team-relay";

const LOG = 5_000;

describe("wake-up", () => {
  it("reads a bounded slice of the log however long it is, and still recognises retries from anywhere in it", async () => {
    const f = await relayFixture([{}, {}]);
    const [a, b] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0]];
    await setAllowlist(f, { edges: [agentEdge(a, b)] });
    const alice = await join(f, a);
    const stub = relayStub(f.teamId);
    const now = Date.now();
    await runInDurableObject(stub, (_relay: TeamRelay, state) => {
      for (let seq = 1; seq <= LOG; seq++) {
        state.storage.sql.exec(
          "INSERT INTO messages (seq, kind, sender, recipient, client_id, body, created_at, expires_at) VALUES (?, 'direct', ?, ?, ?, '{}', ?, ?)",
          seq,
          a.id,
          b.id,
          `bulk-${seq}`,
          now,
          now + 3_600_000,
        );
      }
      // Those rows' audit events count as flushed, and b has processed them (this test is about
      // the log's length, not about a backlog: a recipient's backlog is counted from its cursor).
      state.storage.sql.exec(
        "UPDATE meta SET value = json_set(value, '$.audit', ?, '$.acks', json_object(?, ?)) WHERE key = 'cursors'",
        LOG,
        b.id,
        LOG,
      );
    });
    // First wake: the rows were never seen, so the index is rebuilt from them once; the alarm seals the segments.
    await evictDurableObject(stub, { webSockets: "hibernate" });
    await runInDurableObject(stub, (relay: TeamRelay) => relay.alarm());
    const sealed = await runInDurableObject(stub, (relay: TeamRelay) => relay.core.idempotency.shape());
    expect(sealed.sealedThrough).toBe(Math.floor(LOG / IDEMPOTENCY_SEGMENT) * IDEMPOTENCY_SEGMENT);
    expect(sealed.tail).toBe(LOG % IDEMPOTENCY_SEGMENT);

    // The wake that matters: after it, the first frame is answered having read the sealed
    // segments (a few blobs) and the tail (< one segment), not the 5,000-row log.
    await evictDurableObject(stub, { webSockets: "hibernate" });
    alice.send({ type: "send", id: "fresh", to: b.id, body: 1 });
    expect((await alice.next({ type: "accepted", id: "fresh" })).seq).toBe(LOG + 1);
    const read = (await stub.stats()).rowsRead;
    expect(read).toBeLessThan(IDEMPOTENCY_SEGMENT + 100);

    // Retries are still recognised: in a sealed segment, in the tail, and just accepted.
    for (const [id, seq] of [
      ["bulk-10", 10],
      [`bulk-${IDEMPOTENCY_SEGMENT * 2 + 7}`, IDEMPOTENCY_SEGMENT * 2 + 7],
      [`bulk-${LOG}`, LOG],
      ["fresh", LOG + 1],
    ] as const) {
      alice.send({ type: "send", id, to: b.id, body: "again" });
      expect((await alice.next({ type: "accepted", id })).seq).toBe(seq);
    }
    const rows = await runInDurableObject(
      stub,
      (_: TeamRelay, state) => state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM messages").one().n,
    );
    expect(rows).toBe(LOG + 1);
    // Another agent's id that happens to equal one of alice's is its own message.
    const bob = await join(f, b);
    await setAllowlist(f, { edges: [agentEdge(a, b), agentEdge(b, a)] });
    bob.send({ type: "send", id: "bulk-10", to: a.id, body: "mine" });
    expect((await bob.next({ type: "accepted", id: "bulk-10" })).seq).toBe(LOG + 2);
  });
});

describe("lazily persisted acks", () => {
  const storedCursors = (teamId: string) =>
    runInDurableObject(
      relayStub(teamId),
      (_: TeamRelay, state) =>
        JSON.parse(state.storage.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'cursors'").one().value) as {
          audit: number;
          acks: Record<string, number>;
        },
    );

  it("an ack is not a row written; it survives an eviction in the socket's attachment, and is written when the agent's last socket closes", async () => {
    const f = await relayFixture([{}, {}]);
    const [a, b] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0]];
    await setAllowlist(f, { edges: [agentEdge(a, b)] });
    const alice = await join(f, a);
    const bob = await join(f, b);
    const seqs: number[] = [];
    for (let i = 0; i < 4; i++) {
      alice.send({ type: "send", id: `s${i}`, to: b.id, body: i });
      seqs.push((await alice.next({ type: "accepted", id: `s${i}` })).seq);
    }
    for (let i = 0; i < 4; i++) await bob.next({ type: "deliver" });
    const stub = relayStub(f.teamId);
    const before = await stub.stats();
    bob.send({ type: "ack", seq: seqs[2] });
    await new Promise((r) => setTimeout(r, 100));
    expect((await stub.stats()).rowsWritten - before.rowsWritten).toBe(0);
    expect((await storedCursors(f.teamId)).acks[b.id]).toBeUndefined();

    // Evicted with bob's socket open: the woken relay takes the ack from the attachment.
    await evictDurableObject(stub, { webSockets: "hibernate" });
    expect(await runInDurableObject(stub, (relay: TeamRelay) => relay.core.cursors.acked(b.id))).toBe(seqs[2]);
    // A second connection of bob replays only what is after it.
    const bob2 = await connectAgent(f.teamId, await tokenFor(b, f.teamId));
    expect(await bob2.hello()).toMatchObject({ resumeFrom: seqs[2] });
    expect((await bob2.next({ type: "deliver" })).seq).toBe(seqs[3]);
    await bob2.none({ type: "deliver" });

    // Bob's sockets close: the ack is written then (one row), and a later wake knows it with no socket left.
    bob2.close();
    bob.close();
    await bob.waitClosed();
    await new Promise((r) => setTimeout(r, 100));
    expect((await storedCursors(f.teamId)).acks[b.id]).toBe(seqs[2]);
    await evictDurableObject(stub, { webSockets: "close" });
    const bob3 = await connectAgent(f.teamId, await tokenFor(b, f.teamId));
    expect(await bob3.hello()).toMatchObject({ resumeFrom: seqs[2] });
  });

  it("the cursors row is written at most once per cursorPersistMs while busy, by the alarm", async () => {
    const f = await relayFixture([{ trustLevel: 4 }, {}]);
    const [a, b] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0]];
    await setAllowlist(f, { edges: [agentEdge(a, b)] });
    const stub = relayStub(f.teamId);
    await runInDurableObject(stub, (relay: TeamRelay) => {
      relay.core.limits.auditFlushDelayMs = 60_000; // the test runs the alarm itself
      relay.core.limits.cursorPersistMs = 60_000;
    });
    const alice = await join(f, a);
    const bob = await join(f, b);
    const before = await stub.stats();
    // A quiet team: each message acked and flushed on its own.
    let last = 0;
    for (let i = 0; i < 10; i++) {
      alice.send({ type: "send", id: `q${i}`, to: b.id, body: i });
      const { seq } = await alice.next({ type: "accepted", id: `q${i}` });
      last = seq;
      await bob.next({ type: "deliver", seq });
      bob.send({ type: "ack", seq });
      await runInDurableObject(stub, (relay: TeamRelay) => relay.alarm());
    }
    const after = await stub.stats();
    expect(after.messagesAccepted - before.messagesAccepted).toBe(10);
    expect(after.auditFlushed - before.auditFlushed).toBe(10);
    // Ten message rows, and no cursor row inside the interval (it was written at the start: the relay was just created).
    expect(after.rowsWritten - before.rowsWritten).toBe(10);
    // Once the interval has passed, one row carries every ack and the audit cursor.
    await runInDurableObject(stub, async (relay: TeamRelay) => {
      relay.core.limits.cursorPersistMs = 0;
      await relay.alarm();
    });
    expect((await stub.stats()).rowsWritten - after.rowsWritten).toBe(1);
    expect(await storedCursors(f.teamId)).toEqual({ audit: last, acks: { [b.id]: last } });
  });
});
