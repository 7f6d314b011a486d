/**
 * Replies are bound to ONE request — by its seq, named in `inReplyTo` as the `req-<seq>` id the
 * request was delivered under — and reach exactly the agent that made it. The defect this guards
 * against (issue 10): replies were matched by the requester's client id alone, so two requesters
 * using the same id (`q-1`, as the docs' examples do) got each other's answers, and an agent with
 * no edge from the responder could receive an answer meant for another.
 */
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  agentEdge,
  join,
  relayFixture,
  relayStub,
  setAllowlist,
  type RelayClient,
  type RelayFixture,
} from "../../test/workers/relay-harness";

type Agent = RelayFixture["agents"][0];

async function threeAgents() {
  const f = await relayFixture([{}, {}, {}, {}]);
  const [a, b, c, d] = f.agents as [Agent, Agent, Agent, Agent];
  // The team: A→B and C→B only (D has no edge at all).
  await setAllowlist(f, { edges: [agentEdge(a, b), agentEdge(c, b)] });
  const [ca, cb, cc, cd] = [await join(f, a), await join(f, b), await join(f, c), await join(f, d)];
  return { f, a, b, c, d, ca, cb, cc, cd };
}

async function request(from: RelayClient, id: string, to: Agent, body: unknown): Promise<number> {
  from.send({ type: "request", id, to: to.id, body, timeoutMs: 30_000 });
  return (await from.next({ type: "accepted", id })).seq;
}

describe("reply binding", () => {
  it("two requesters using the same client id each get their own answer, and nobody else's", async () => {
    const { a, b, c, ca, cb, cc } = await threeAgents();
    const fromC = await request(cc, "q-shared", b, { ask: "lunch?" });
    const fromA = await request(ca, "q-shared", b, { ask: "deploy key?" });
    const reqC = await cb.next({ type: "deliver", kind: "request", from: c.id });
    const reqA = await cb.next({ type: "deliver", kind: "request", from: a.id });
    // Same client id, two different request ids: the responder cannot confuse them.
    expect([reqC.id, reqA.id]).toEqual([`req-${fromC}`, `req-${fromA}`]);

    cb.send({ type: "reply", id: "r-1", inReplyTo: reqA.id, body: { key: "for A only" } });
    await cb.next({ type: "accepted", id: "r-1" });
    expect(await ca.next({ type: "deliver", kind: "reply" })).toMatchObject({
      from: b.id,
      inReplyTo: "q-shared",
      requestSeq: fromA,
      body: { key: "for A only" },
    });
    await cc.none({ type: "deliver" });

    cb.send({ type: "reply", id: "r-2", inReplyTo: reqC.id, body: { lunch: "yes" } });
    await cb.next({ type: "accepted", id: "r-2" });
    expect(await cc.next({ type: "deliver", kind: "reply" })).toMatchObject({
      inReplyTo: "q-shared",
      requestSeq: fromC,
      body: { lunch: "yes" },
    });
    await ca.none({ type: "deliver" });
  });

  it("a reply naming the requester's client id (what the old docs said) is refused and delivered to no one", async () => {
    const { b, ca, cb, cc } = await threeAgents();
    await request(cc, "q-shared", b, 1);
    await request(ca, "q-shared", b, 2);
    cb.send({ type: "reply", id: "r-1", inReplyTo: "q-shared", body: { key: "for A only" } });
    expect(await cb.next({ type: "denied", id: "r-1" })).toMatchObject({ code: "request_timeout" });
    await ca.none({ type: "deliver" });
    await cc.none({ type: "deliver" });
  });

  it("a forged inReplyTo aimed at another agent's open request is refused (same answer as an unknown one), and the real answer still gets through", async () => {
    const { a, b, ca, cb, cc, cd } = await threeAgents();
    const seq = await request(ca, "q-1", b, { ask: "deploy key?" });
    const req = await cb.next({ type: "deliver", kind: "request" });
    // D (no edges) and C (a requester of B itself) both try to answer A's request to B.
    cd.send({ type: "reply", id: "forged-d", inReplyTo: `req-${seq}`, body: { key: "attacker's" } });
    const forged = await cd.next({ type: "denied", id: "forged-d" });
    cc.send({ type: "reply", id: "forged-c", inReplyTo: `req-${seq}`, body: { key: "attacker's" } });
    await cc.next({ type: "denied", id: "forged-c" });
    // Indistinguishable from a request that never existed: a reply cannot probe for others' requests.
    cd.send({ type: "reply", id: "probe", inReplyTo: "req-999999", body: 0 });
    const unknown = await cd.next({ type: "denied", id: "probe" });
    expect(forged.code).toBe("request_timeout");
    expect(forged.reason.replace(`req-${seq}`, "X")).toBe(unknown.reason.replace("req-999999", "X"));
    await ca.none({ type: "deliver" });

    cb.send({ type: "reply", id: "real", inReplyTo: req.id, body: { key: "k" } });
    await cb.next({ type: "accepted", id: "real" });
    expect(await ca.next({ type: "deliver", kind: "reply" })).toMatchObject({ from: b.id, body: { key: "k" } });
    // ... exactly once.
    cb.send({ type: "reply", id: "again", inReplyTo: req.id, body: { key: "k2" } });
    expect(await cb.next({ type: "denied", id: "again" })).toMatchObject({ code: "request_timeout" });
    await ca.none({ type: "deliver" });
    expect(a.id).toBeTruthy();
  });

  it("malformed request ids in inReplyTo are refused like unknown ones", async () => {
    const { cd } = await threeAgents();
    for (const [i, inReplyTo] of [
      "req-",
      "req-0",
      "req-01",
      "req--1",
      "req-1e3",
      "req-99999999999999999999",
      "REQ-1",
      " req-1",
    ].entries()) {
      cd.send({ type: "reply", id: `m${i}`, inReplyTo, body: null });
      expect(await cd.next({ type: "denied", id: `m${i}` })).toMatchObject({ code: "request_timeout" });
    }
  });

  it("an open request survives an eviction: the answer after it still reaches the requester alone", async () => {
    const { f, b, ca, cb, cc } = await threeAgents();
    const seq = await request(ca, "q-1", b, "?");
    await request(cc, "q-1", b, "?");
    const reqA = await cb.next({ type: "deliver", kind: "request", id: `req-${seq}` });
    await evictDurableObject(relayStub(f.teamId), { webSockets: "hibernate" });
    cb.send({ type: "reply", id: "after", inReplyTo: reqA.id, body: "!" });
    await cb.next({ type: "accepted", id: "after" });
    expect(await ca.next({ type: "deliver", kind: "reply" })).toMatchObject({ requestSeq: seq, body: "!" });
    await cc.none({ type: "deliver", kind: "reply" });
  });
});
