/**
 * The agent RPCs (what the MCP messaging tools call) go through the frame's judge and effects:
 * the same allowlist, the same reply binding, the same audit — checked here against agents on
 * WebSockets, so a difference between the two paths would show. MCP end to end:
 * workers/api/src/routes/__tests__/mcp.test.ts.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { TeamRelay } from "./team-relay";
import { agentEdge, join, relayFixture, relayStub, setAllowlist, type RelayFixture } from "../../test/workers/relay-harness";

type Agent = RelayFixture["agents"][0];
const rpcAgent = (a: Agent) => ({ agentId: a.id, role: a.template as "custom", trust: 2 as const });

async function team() {
  const f = await relayFixture([{}, {}, {}]);
  const [a, b, c] = f.agents as [Agent, Agent, Agent];
  await setAllowlist(f, { edges: [agentEdge(a, b)] });
  const ref = { teamId: f.teamId, tenantId: f.tenantId };
  return { f, a, b, c, ref, stub: relayStub(f.teamId) };
}

describe("agent RPCs", () => {
  it("a send is judged like the frame: no edge, no delivery; with an edge, stored and delivered live", async () => {
    const { f, a, b, ref, stub } = await team();
    const ca = await join(f, a);
    const cb = await join(f, b);
    // B → A has no edge.
    const refused = await stub.agentSend(ref, rpcAgent(b), { to: a.id, body: { x: 1 }, clientId: "no-edge" });
    expect(refused).toMatchObject({ ok: false, error: { code: "not_allowed" } });
    await ca.none({ type: "deliver" });
    const sent = await stub.agentSend(ref, rpcAgent(a), { to: b.id, body: { x: 2 }, clientId: "m-1" });
    expect(sent.ok).toBe(true);
    const seq = (sent as { value: { seq: number } }).value.seq;
    expect(await cb.next({ type: "deliver", seq })).toMatchObject({ from: a.id, kind: "direct", id: "m-1", body: { x: 2 } });
    // Idempotent by client id, like the frame.
    expect(await stub.agentSend(ref, rpcAgent(a), { to: b.id, body: { x: 2 }, clientId: "m-1" })).toEqual({ ok: true, value: { seq } });
    // Invalid input is refused by the frame's schema.
    expect(await stub.agentSend(ref, rpcAgent(a), { to: b.id, body: "\ud800", clientId: "bad" })).toMatchObject({
      ok: false,
      error: { code: "invalid_frame" },
    });
  });

  it("a reply over RPC is bound to the request's seq: a foreign or second reply is refused and delivered to no one", async () => {
    const { f, a, b, c, ref, stub } = await team();
    const ca = await join(f, a);
    ca.send({ type: "request", id: "q-1", to: b.id, body: { ask: "?" }, timeoutMs: 30_000 });
    const seq = (await ca.next({ type: "accepted", id: "q-1" })).seq as number;
    const inbox = await stub.agentInbox(ref, rpcAgent(b), { limit: 10 });
    expect(inbox).toMatchObject({ ok: true, value: { messages: [{ seq, kind: "request", id: `req-${seq}`, from: a.id }] } });
    // C was not asked: its reply naming A's request is refused like a forged frame.
    expect(await stub.agentReply(ref, rpcAgent(c), { inReplyTo: `req-${seq}`, body: "forged", clientId: "f-1" })).toMatchObject({
      ok: false,
      error: { code: "request_timeout" },
    });
    expect(await stub.agentReply(ref, rpcAgent(b), { inReplyTo: `req-${seq}`, body: { ok: true }, clientId: "r-1" })).toMatchObject({
      ok: true,
    });
    expect(await ca.next({ type: "deliver", kind: "reply" })).toMatchObject({
      from: b.id,
      inReplyTo: "q-1",
      requestSeq: seq,
      body: { ok: true },
    });
    expect(await stub.agentReply(ref, rpcAgent(b), { inReplyTo: `req-${seq}`, body: "again", clientId: "r-2" })).toMatchObject({
      ok: false,
      error: { code: "request_timeout" },
    });
    await ca.none({ type: "deliver", kind: "reply" });
  });

  it("a request over RPC resolves with the reply a WebSocket agent sends, or with request_timeout", async () => {
    const { f, a, b, ref, stub } = await team();
    const cb = await join(f, b);
    const asked = stub.agentRequest(ref, rpcAgent(a), { to: b.id, body: { ask: "status?" }, clientId: "q-rpc", timeoutMs: 10_000 });
    const req = await cb.next({ type: "deliver", kind: "request" });
    cb.send({ type: "reply", id: "r-ws", inReplyTo: req.id, body: { status: "green" } });
    expect(await asked).toMatchObject({
      ok: true,
      value: { seq: req.seq, reply: { from: b.id, kind: "reply", body: { status: "green" }, inReplyTo: "q-rpc", requestSeq: req.seq } },
    });
    const unanswered = await stub.agentRequest(ref, rpcAgent(a), { to: b.id, body: 1, clientId: "q-late", timeoutMs: 200 });
    expect(unanswered).toMatchObject({ ok: false, error: { code: "request_timeout" } });
  });

  it("an ack over RPC moves the shared cursor (the inbox empties) and is written at once", async () => {
    const { a, b, ref, stub } = await team();
    const sent = (await stub.agentSend(ref, rpcAgent(a), { to: b.id, body: 1, clientId: "k-1" })) as { value: { seq: number } };
    expect(await stub.agentAck(ref, rpcAgent(b), { seq: sent.value.seq + 1000 })).toEqual({ ok: true, value: { cursor: sent.value.seq } }); // clamped to the head
    expect(await stub.agentInbox(ref, rpcAgent(b), { limit: 10 })).toMatchObject({
      ok: true,
      value: { messages: [], cursor: sent.value.seq },
    });
    expect(await runInDurableObject(stub, (relay: TeamRelay) => relay.core.cursors.unpersistedAck(b.id))).toBe(false);
  });
});
