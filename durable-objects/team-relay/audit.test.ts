/**
 * What the audit trail says about relayed messages: accepted AND denied ones carry `bodySha256`
 * and `bytes`, recomputable by a third party from the body alone exactly as docs/relay.md says —
 * RFC 8785 canonical JSON, UTF-8, SHA-256 — and the detail field names are the documented ones.
 * The expected digests are computed here by hand (sorted keys written out, WebCrypto), not with
 * the relay's own helper.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { auditRows } from "../../test/workers/audit-view";
import { agentEdge, join, relayFixture, relayStub, setAllowlist } from "../../test/workers/relay-harness";
import type { TeamRelay } from "./team-relay";

const hex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
async function digestOf(canonicalText: string) {
  const utf8 = new TextEncoder().encode(canonicalText);
  return { bodySha256: hex(await crypto.subtle.digest("SHA-256", utf8)), bytes: utf8.byteLength };
}

async function relayEvents(f: { tenantId: string; teamId: string }) {
  await runInDurableObject(relayStub(f.teamId), (relay: TeamRelay) => relay.alarm());
  const rows = await auditRows<{ action: string; details: string }>(
    "select action, details from audit_events where action like 'relay.%' and json_extract(details, '$.teamId') = ? order by seq",
    f.teamId,
  );
  return rows.map((r) => ({ action: r.action, details: JSON.parse(r.details) as Record<string, unknown> }));
}

describe("audit of relayed messages", () => {
  it("accepted and denied messages carry the body's canonical digest and size; details use the documented names", async () => {
    const f = await relayFixture([{}, {}, {}]);
    const [a, b, c] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0], (typeof f.agents)[0]];
    await setAllowlist(f, { edges: [agentEdge(a, b)] });
    const alice = await join(f, a);
    const bob = await join(f, b);
    // Keys out of order, a non-ASCII string, a number in exponent form: the canonical text is fixed.
    const body = { zeta: [3, { y: true, x: null }], alpha: "café", n: 1e21 };
    const canonical = '{"alpha":"café","n":1e+21,"zeta":[3,{"x":null,"y":true}]}';
    alice.send({ type: "send", id: "ok", to: b.id, body });
    const { seq } = await alice.next({ type: "accepted", id: "ok" });
    await bob.next({ type: "deliver", seq });
    alice.send({ type: "send", id: "no-edge", to: c.id, body });
    await alice.next({ type: "denied", id: "no-edge" });
    bob.send({ type: "reply", id: "stray", inReplyTo: "req-12345", body: "late" });
    await bob.next({ type: "denied", id: "stray" });
    bob.send({ type: "subscribe", id: "sub", topic: "deploys.prod" });
    await bob.next({ type: "denied", id: "sub" });

    const events = await relayEvents(f);
    const expected = await digestOf(canonical);
    expect(expected.bytes).toBe(canonical.length + 1); // é is two bytes in UTF-8
    const accepted = events.find((e) => e.action === "relay.message_accepted")!;
    expect(accepted.details).toEqual({ teamId: f.teamId, seq, kind: "direct", clientId: "ok", to: [b.id], recipient: b.id, ...expected });
    expect(accepted.details).not.toHaveProperty("recipients");
    const denied = events.filter((e) => e.action === "relay.message_denied").map((e) => e.details);
    expect(denied).toEqual([
      {
        teamId: f.teamId,
        clientId: "no-edge",
        code: "not_allowed",
        reason: expect.any(String),
        kind: "direct",
        recipient: c.id,
        ...expected,
      },
      {
        teamId: f.teamId,
        clientId: "stray",
        code: "request_timeout",
        reason: expect.any(String),
        kind: "reply",
        inReplyTo: "req-12345",
        ...(await digestOf('"late"')),
      },
    ]);
    // A subscription has no body, so no digest.
    expect(events.find((e) => e.action === "relay.subscription_denied")!.details).toEqual({
      teamId: f.teamId,
      clientId: "sub",
      code: "not_allowed",
      reason: expect.any(String),
      topic: "deploys.prod",
    });
  });

  it("a reply's event names the request it answers", async () => {
    const f = await relayFixture([{}, {}]);
    const [a, b] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0]];
    await setAllowlist(f, { edges: [agentEdge(a, b)] });
    const alice = await join(f, a);
    const bob = await join(f, b);
    alice.send({ type: "request", id: "q", to: b.id, body: {}, timeoutMs: 5000 });
    const request = await alice.next({ type: "accepted", id: "q" });
    const req = await bob.next({ type: "deliver", kind: "request" });
    bob.send({ type: "reply", id: "r", inReplyTo: req.id, body: [] });
    const reply = await bob.next({ type: "accepted", id: "r" });
    const events = await relayEvents(f);
    expect(events.find((e) => e.details.seq === reply.seq)!.details).toEqual({
      teamId: f.teamId,
      seq: reply.seq,
      kind: "reply",
      clientId: "r",
      to: [a.id],
      inReplyTo: "q",
      requestSeq: request.seq,
      ...(await digestOf("[]")),
    });
    expect(events.find((e) => e.details.seq === request.seq)!.details).toMatchObject({ kind: "request", recipient: b.id });
  });

  it("a body with a lone surrogate (only possible through a \\u escape) is refused: it has no canonical form", async () => {
    const f = await relayFixture([{}, {}]);
    const [a, b] = f.agents as [(typeof f.agents)[0], (typeof f.agents)[0]];
    await setAllowlist(f, { edges: [agentEdge(a, b)] });
    const alice = await join(f, a);
    alice.send(`{"type":"send","id":"bad","to":"${b.id}","body":{"text":"\\ud800"}}`);
    expect(await alice.next({ type: "error", id: "bad" })).toMatchObject({ code: "invalid_frame" });
    alice.send(`{"type":"send","id":"pair","to":"${b.id}","body":{"text":"\\ud83d\\ude00"}}`);
    await alice.next({ type: "accepted", id: "pair" });
  });
});
