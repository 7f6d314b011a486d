/**
 * TeamRelay delivery, end to end through the Worker: every frame type, the allowlist applied
 * live on open connections, idempotent sends, resume after reconnect, request timeouts, limits.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { agentEdge, connectAgent, join, relayFixture, relayStub, setAllowlist, tokenFor } from "../../test/workers/relay-harness";
import type { TeamRelay } from "./team-relay";

describe("direct send and the allowlist on an open connection", () => {
  it("denies without an edge, allows once the edge is added, denies again once it is removed", async () => {
    const f = await relayFixture([{}, {}]);
    const [a, b] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0]];
    const alice = await join(f, a);
    const bob = await join(f, b);

    alice.send({ type: "send", id: "m1", to: b.id, body: { text: "hi" } });
    expect(await alice.next({ type: "denied", id: "m1" })).toMatchObject({ code: "not_allowed" });
    await bob.none({ type: "deliver" });

    await setAllowlist(f, { edges: [agentEdge(a, b)] });
    alice.send({ type: "send", id: "m2", to: b.id, body: { text: "hi again" } });
    const accepted = await alice.next({ type: "accepted", id: "m2" });
    expect(accepted.seq).toBeGreaterThan(0);
    expect(await bob.next({ type: "deliver" })).toEqual({
      type: "deliver",
      seq: accepted.seq,
      from: a.id,
      kind: "direct",
      body: { text: "hi again" },
      id: "m2",
    });
    // Edges are directed: b may not answer with a send.
    bob.send({ type: "send", id: "r1", to: a.id, body: 1 });
    expect(await bob.next({ type: "denied", id: "r1" })).toMatchObject({ code: "not_allowed" });

    await setAllowlist(f, { edges: [] });
    alice.send({ type: "send", id: "m3", to: b.id, body: { text: "still there?" } });
    expect(await alice.next({ type: "denied", id: "m3" })).toMatchObject({ code: "not_allowed" });
    await bob.none({ type: "deliver" });
    alice.close();
    bob.close();
  });

  it("role → role edges allow every agent of the role", async () => {
    const f = await relayFixture([{ template: "pm" }, { template: "engineering" }]);
    const [pm, eng] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0]];
    await setAllowlist(f, { edges: [{ from: { kind: "role", id: "pm" }, to: { kind: "role", id: "engineering" } }] });
    const p = await join(f, pm);
    const e = await join(f, eng);
    p.send({ type: "send", id: "spec", to: eng.id, body: "spec ready" });
    await p.next({ type: "accepted", id: "spec" });
    expect(await e.next({ type: "deliver" })).toMatchObject({ from: pm.id, body: "spec ready" });
    e.send({ type: "send", id: "back", to: pm.id, body: "no" });
    expect(await e.next({ type: "denied", id: "back" })).toMatchObject({ code: "not_allowed" });
  });

  it("a recipient outside the team is denied as not_found", async () => {
    const f = await relayFixture([{}]);
    const alice = await join(f, f.agents[0]!);
    alice.send({ type: "send", id: "x", to: "agt_01NOTINTHISTEAM00000000000", body: 1 });
    expect(await alice.next({ type: "denied", id: "x" })).toMatchObject({ code: "not_found" });
  });
});

describe("delivery guarantees", () => {
  it("duplicate client ids are accepted with the original seq and delivered once", async () => {
    const f = await relayFixture([{}, {}]);
    const [a, b] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0]];
    await setAllowlist(f, { edges: [agentEdge(a, b)] });
    const alice = await join(f, a);
    const bob = await join(f, b);
    alice.send({ type: "send", id: "dup", to: b.id, body: "once" });
    const first = await alice.next({ type: "accepted", id: "dup" });
    alice.send({ type: "send", id: "dup", to: b.id, body: "once (retry)" });
    const second = await alice.next({ type: "accepted", id: "dup" });
    expect(second.seq).toBe(first.seq);
    await bob.next({ type: "deliver", seq: first.seq });
    await bob.none({ type: "deliver" });
    const rows = await runInDurableObject(
      relayStub(f.teamId),
      (_: TeamRelay, state) => state.storage.sql.exec("SELECT count(*) AS n FROM messages WHERE client_id = 'dup'").one().n,
    );
    expect(rows).toBe(1);
  });

  it("an offline recipient gets everything on connect, in order; resume after reconnect is gap-free and exactly once per ack", async () => {
    const f = await relayFixture([{}, {}]);
    const [a, b] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0]];
    await setAllowlist(f, { edges: [agentEdge(a, b)] });
    const alice = await join(f, a);
    const seqs: number[] = [];
    for (let i = 0; i < 5; i++) {
      alice.send({ type: "send", id: `o${i}`, to: b.id, body: i });
      seqs.push((await alice.next({ type: "accepted", id: `o${i}` })).seq);
    }
    const bob = await join(f, b);
    const got: number[] = [];
    for (let i = 0; i < 5; i++) got.push((await bob.next({ type: "deliver" })).body);
    expect(got).toEqual([0, 1, 2, 3, 4]);
    // Ack the first three, drop the connection, send two more while away.
    bob.send({ type: "ack", seq: seqs[2] });
    bob.close();
    await bob.waitClosed();
    for (let i = 5; i < 7; i++) {
      alice.send({ type: "send", id: `o${i}`, to: b.id, body: i });
      seqs.push((await alice.next({ type: "accepted", id: `o${i}` })).seq);
    }
    const again = await join(f, b);
    const replay: number[] = [];
    for (let i = 0; i < 4; i++) replay.push((await again.next({ type: "deliver" })).seq);
    expect(replay).toEqual(seqs.slice(3));
    await again.none({ type: "deliver" });
    // resumeFrom beyond the cursor counts as an ack: nothing up to it comes back.
    again.close();
    const third = await join(f, b, seqs[6]);
    await third.none({ type: "deliver" });
  });

  it("welcome reports the cursor and the head", async () => {
    const f = await relayFixture([{}, {}]);
    const [a, b] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0]];
    await setAllowlist(f, { edges: [agentEdge(a, b)] });
    const alice = await join(f, a);
    alice.send({ type: "send", id: "w", to: b.id, body: null });
    const { seq } = await alice.next({ type: "accepted", id: "w" });
    const bob = await connectAgent(f.teamId, await tokenFor(b, f.teamId));
    const welcome = await bob.hello();
    expect(welcome).toEqual({ type: "welcome", v: 1, agentId: b.id, teamId: f.teamId, resumeFrom: 0, head: seq });
  });
});

describe("broadcast, request/reply, topics", () => {
  it("broadcast reaches the agents the sender has an edge to, and needs a trust level that may broadcast", async () => {
    const f = await relayFixture([{ trustLevel: 2 }, {}, {}, { trustLevel: 0 }]);
    const [a, b, c, low] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0], (typeof f.agents)[0], (typeof f.agents)[0]];
    await setAllowlist(f, { edges: [agentEdge(a, b), agentEdge(a, c), agentEdge(low, b)] });
    const [ca, cb, cc, cl] = await Promise.all([join(f, a), join(f, b), join(f, c), join(f, low)]);
    ca.send({ type: "broadcast", id: "all", body: "standup" });
    const { seq } = await ca.next({ type: "accepted", id: "all" });
    for (const client of [cb, cc])
      expect(await client.next({ type: "deliver" })).toMatchObject({ seq, kind: "broadcast", from: a.id, body: "standup" });
    await ca.none({ type: "deliver" });
    await cl.none({ type: "deliver" });
    cl.send({ type: "broadcast", id: "nope", body: 1 });
    expect(await cl.next({ type: "denied", id: "nope" })).toMatchObject({ code: "not_allowed" });
  });

  it("request → reply: the request is delivered under the relay's id for it, the reply names that id and reaches the requester with its own client id; a request without a reply times out (alarm)", async () => {
    const f = await relayFixture([{}, {}]);
    const [a, b] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0]];
    await setAllowlist(f, { edges: [agentEdge(a, b)] });
    const alice = await join(f, a);
    const bob = await join(f, b);
    alice.send({ type: "request", id: "q1", to: b.id, body: { ask: "status?" }, timeoutMs: 5000 });
    const { seq } = await alice.next({ type: "accepted", id: "q1" });
    const req = await bob.next({ type: "deliver", kind: "request" });
    expect(req).toEqual({ type: "deliver", seq, id: `req-${seq}`, kind: "request", from: a.id, body: { ask: "status?" } });
    // No b→a edge is needed to answer a request made to b.
    bob.send({ type: "reply", id: "r1", inReplyTo: req.id, body: { ok: true } });
    const replied = await bob.next({ type: "accepted", id: "r1" });
    expect(await alice.next({ type: "deliver", kind: "reply" })).toEqual({
      type: "deliver",
      seq: replied.seq,
      id: "r1",
      kind: "reply",
      from: b.id,
      inReplyTo: "q1",
      requestSeq: seq,
      body: { ok: true },
    });
    // A second reply to the same request is refused, and never delivered.
    bob.send({ type: "reply", id: "r2", inReplyTo: req.id, body: {} });
    expect(await bob.next({ type: "denied", id: "r2" })).toMatchObject({ code: "request_timeout" });
    await alice.none({ type: "deliver" });

    alice.send({ type: "request", id: "q2", to: b.id, body: {}, timeoutMs: 100 });
    await alice.next({ type: "accepted", id: "q2" });
    const late = await bob.next({ type: "deliver", kind: "request" });
    await new Promise((r) => setTimeout(r, 150));
    // The alarm set for the deadline may have run by itself already; if not, run it now.
    await runDurableObjectAlarm(relayStub(f.teamId));
    expect(await alice.next({ type: "timeout" })).toEqual({ type: "timeout", id: "q2" });
    // Alarms run at least once: a second run sends nothing new.
    await runInDurableObject(relayStub(f.teamId), (relay: TeamRelay) => relay.alarm());
    await alice.none({ type: "timeout" });
    bob.send({ type: "reply", id: "late", inReplyTo: late.id, body: {} });
    expect(await bob.next({ type: "denied", id: "late" })).toMatchObject({ code: "request_timeout" });
    await alice.none({ type: "deliver" });
  });

  it("topics: subscribe and publish need topic rules (prefix wildcards work); unsubscribe stops delivery", async () => {
    const f = await relayFixture([{ template: "ops" }, { template: "engineering" }, {}]);
    const [ops, eng, other] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0], (typeof f.agents)[0]];
    await setAllowlist(f, {
      topics: [
        { topic: "deploys.*", subject: { kind: "role", id: "ops" }, action: "publish" },
        { topic: "deploys.*", subject: { kind: "role", id: "engineering" }, action: "subscribe" },
      ],
    });
    const [co, ce, cx] = await Promise.all([join(f, ops), join(f, eng), join(f, other)]);
    ce.send({ type: "subscribe", id: "s1", topic: "deploys.prod" });
    await ce.next({ type: "accepted", id: "s1" });
    cx.send({ type: "subscribe", id: "s2", topic: "deploys.prod" });
    expect(await cx.next({ type: "denied", id: "s2" })).toMatchObject({ code: "not_allowed" });
    co.send({ type: "publish", id: "p1", topic: "deploys.prod", body: { version: "1.2.3" } });
    const { seq } = await co.next({ type: "accepted", id: "p1" });
    expect(await ce.next({ type: "deliver" })).toMatchObject({
      seq,
      kind: "topic",
      topic: "deploys.prod",
      from: ops.id,
      body: { version: "1.2.3" },
    });
    ce.send({ type: "publish", id: "p2", topic: "deploys.prod", body: {} });
    expect(await ce.next({ type: "denied", id: "p2" })).toMatchObject({ code: "not_allowed" });
    ce.send({ type: "unsubscribe", id: "u1", topic: "deploys.prod" });
    await ce.next({ type: "accepted", id: "u1" });
    co.send({ type: "publish", id: "p3", topic: "deploys.prod", body: {} });
    await co.next({ type: "accepted", id: "p3" });
    await ce.none({ type: "deliver" });
  });

  it("presence: peers with an edge see joined and left", async () => {
    const f = await relayFixture([{}, {}, {}]);
    const [a, b, stranger] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0], (typeof f.agents)[0]];
    await setAllowlist(f, { edges: [agentEdge(a, b)] });
    const alice = await join(f, a);
    const cs = await join(f, stranger);
    const bob = await join(f, b);
    expect(await alice.next({ type: "presence" })).toEqual({ type: "presence", agentId: b.id, status: "joined" });
    // The newcomer learns who was already there (its peers only).
    expect(await bob.next({ type: "presence" })).toEqual({ type: "presence", agentId: a.id, status: "joined" });
    await bob.none({ type: "presence", agentId: stranger.id });
    bob.close();
    expect(await alice.next({ type: "presence" })).toEqual({ type: "presence", agentId: b.id, status: "left" });
    await cs.none({ type: "presence" });
  });
});

describe("bad frames and limits", () => {
  it("oversize, malformed, unknown-type and invalid frames get error frames and the socket stays open", async () => {
    const f = await relayFixture([{}]);
    const alice = await join(f, f.agents[0]!);
    alice.send("{not json");
    expect(await alice.next({ type: "error" })).toMatchObject({ id: null, code: "invalid_frame" });
    alice.send({ type: "teleport", id: "t1" });
    expect(await alice.next({ type: "error" })).toMatchObject({ id: "t1", code: "invalid_frame" });
    alice.send({ type: "send", id: "s1", body: "no recipient" });
    expect(await alice.next({ type: "error" })).toMatchObject({ id: "s1", code: "invalid_frame" });
    alice.send({ type: "send", id: "big", to: "agt_x", body: "x".repeat(70 * 1024) });
    expect(await alice.next({ type: "error" })).toMatchObject({ code: "frame_too_large" });
    alice.send(new Uint8Array([1, 2, 3]));
    expect(await alice.next({ type: "error" })).toMatchObject({ code: "invalid_frame" });
    // Still open and working.
    alice.send({ type: "subscribe", id: "alive", topic: "t" });
    expect(await alice.next({ id: "alive" })).toMatchObject({ type: "denied" });
    expect(alice.closed).toBeNull();
  });

  it("frames before hello are refused; an unsupported version closes with 4400", async () => {
    const f = await relayFixture([{}]);
    const c = await connectAgent(f.teamId, await tokenFor(f.agents[0]!, f.teamId));
    c.send({ type: "broadcast", id: "early", body: 1 });
    expect(await c.next({ type: "error" })).toMatchObject({ id: "early", code: "invalid_frame" });
    c.send({ type: "hello", v: 2 });
    await c.next({ type: "error" });
    expect((await c.waitClosed()).code).toBe(4400);
  });

  it("rate limit by trust level: the burst passes, the next frame gets rate_limited", async () => {
    const f = await relayFixture([{ trustLevel: 0 }, {}]);
    const [a, b] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0]];
    await setAllowlist(f, { edges: [agentEdge(a, b)] });
    const alice = await join(f, a);
    for (let i = 0; i < 10; i++) alice.send({ type: "send", id: `r${i}`, to: b.id, body: i });
    for (let i = 0; i < 10; i++) await alice.next({ type: "accepted", id: `r${i}` });
    alice.send({ type: "send", id: "r10", to: b.id, body: 10 });
    expect(await alice.next({ type: "error", id: "r10" })).toMatchObject({ code: "rate_limited" });
    // A retry of an accepted frame (e.g. re-sent after a reconnect) still gets its original
    // answer while the bucket is empty: idempotency must not depend on the rate.
    alice.send({ type: "send", id: "r3", to: b.id, body: 3 });
    expect(await alice.next({ type: "accepted", id: "r3" })).toMatchObject({ type: "accepted", id: "r3" });
  });

  it("queue cap: a recipient with too many unacked messages gets queue_full for its senders", async () => {
    const f = await relayFixture([{}, {}]);
    const [a, b] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0]];
    await setAllowlist(f, { edges: [agentEdge(a, b)] });
    const alice = await join(f, a);
    await runInDurableObject(relayStub(f.teamId), (relay: TeamRelay) => {
      relay.core.limits.queueCap = 2;
    });
    for (const id of ["q1", "q2"]) {
      alice.send({ type: "send", id, to: b.id, body: id });
      await alice.next({ type: "accepted", id });
    }
    alice.send({ type: "send", id: "q3", to: b.id, body: "q3" });
    expect(await alice.next({ type: "denied", id: "q3" })).toMatchObject({ code: "queue_full" });
    // Once b acks, there is room again.
    const bob = await join(f, b);
    const last = await bob.next({ type: "deliver", id: "q2" });
    bob.send({ type: "ack", seq: last.seq });
    await bob.next({ type: "deliver", id: "q1" });
    await new Promise((r) => setTimeout(r, 50));
    alice.send({ type: "send", id: "q4", to: b.id, body: "q4" });
    await alice.next({ type: "accepted", id: "q4" });
  });

  it("ping gets pong without the relay's code", async () => {
    const f = await relayFixture([{}]);
    const alice = await join(f, f.agents[0]!);
    const got = new Promise<string>((resolve) =>
      alice.ws.addEventListener("message", (e) => typeof e.data === "string" && e.data === "pong" && resolve(e.data)),
    );
    alice.inbox.length = 0;
    alice.ws.send("ping");
    expect(await got).toBe("pong");
  });
});
