/**
 * `judge` without a socket: every frame kind × allowed / denied / suspended / expired token / before
 * hello / trust level, against a plain-object view. The view is the whole input; a verdict is the
 * whole output (judge writes nothing), so each row is one decision, end to end.
 */
import { describe, expect, it } from "vitest";
import type { AgentTemplate } from "../../workers/shared/agent-templates";
import { CompiledAllowlist, type Edge, type TopicRule } from "../../workers/shared/relay/allowlist";
import type { ClientFrame } from "../../workers/shared/relay/protocol";
import type { TrustLevel } from "../../workers/shared/trust-levels";
import { judge, type OpenRequest, type PresenceQuestion, type RateCheck, type RelayView, type Sender, type Verdict } from "./judge";
import type { Member } from "./members";

const NOW = 1_800_000_000_000;
const agent = (id: string, role: AgentTemplate, trust: TrustLevel = 2, suspended = false): Member => ({
  agentId: id,
  role,
  trust,
  suspended,
});
const MEMBERS = [
  agent("agt_a", "pm"),
  agent("agt_b", "engineering"),
  agent("agt_c", "ops", 0),
  agent("agt_low", "custom", 1),
  agent("agt_s", "custom", 2, true),
  agent("agt_full", "support"),
];
const e = (from: string, to: string): Edge => ({ from: { kind: "agent", id: from }, to: { kind: "agent", id: to } });
const EDGES: Edge[] = [
  e("agt_a", "agt_b"),
  { from: { kind: "role", id: "pm" }, to: { kind: "role", id: "ops" } },
  e("agt_low", "agt_b"),
  e("agt_s", "agt_b"),
  e("agt_a", "agt_full"),
];
const TOPICS: TopicRule[] = [
  { topic: "deploys.*", subject: { kind: "role", id: "pm" }, action: "publish" },
  { topic: "deploys.*", subject: { kind: "role", id: "engineering" }, action: "subscribe" },
  { topic: "deploys.*", subject: { kind: "agent", id: "agt_full" }, action: "subscribe" },
];
const OPEN: OpenRequest = { seq: 40, requester: "agt_a", requestId: "q-1", responder: "agt_b", deadline: NOW + 5_000 };

interface World {
  head: number;
  queued: Record<string, number>;
  stored: Record<string, number>;
  rate: RateCheck;
  open: OpenRequest[];
  subscribers: Record<string, string[]>;
  online: string[];
  cursors: Record<string, number>;
  members: Member[];
}

function view(over: Partial<World> = {}): RelayView {
  const w: World = {
    head: 100,
    queued: { agt_full: 10_000 },
    stored: { "agt_a:dup": 42 },
    rate: { ok: true },
    open: [OPEN],
    subscribers: { "deploys.prod": ["agt_b", "agt_c", "agt_full", "agt_a"] },
    online: ["agt_a", "agt_b", "agt_c"],
    cursors: { agt_b: 30 },
    members: MEMBERS,
    ...over,
  };
  const byId = new Map(w.members.map((m) => [m.agentId, m]));
  return {
    now: NOW,
    head: w.head,
    allowlist: new CompiledAllowlist({ edges: EDGES, topics: TOPICS }),
    queueCap: 10_000,
    member: (id) => byId.get(id) ?? null,
    members: () => w.members,
    queued: (id) => w.queued[id] ?? 0,
    subscribers: (topic) => w.subscribers[topic] ?? [],
    openRequest: (seq) => w.open.find((r) => r.seq === seq) ?? null,
    storedSeq: (sender, clientId) => w.stored[`${sender}:${clientId}`] ?? null,
    rate: () => w.rate,
    cursor: (id) => w.cursors[id] ?? 0,
    online: () => w.online.map((id) => ({ agentId: id, role: byId.get(id)!.role })),
  };
}

const sender = (id: string, over: Partial<Sender> = {}): Sender => {
  const m = MEMBERS.find((x) => x.agentId === id)!;
  return { agentId: id, role: m.role, trust: m.trust, exp: NOW / 1000 + 600, ready: true, ...over };
};

/** The part of a verdict a row checks. */
function shape(v: Verdict): string {
  switch (v.verdict) {
    case "accept":
      if (v.action === "message")
        return `accept message ${v.message.kind} → ${v.message.recipients.join(",") || "nobody"}${v.message.skipped.length ? ` (skipped ${v.message.skipped.join(",")})` : ""}`;
      if (v.action === "hello") return `accept hello from ${v.replayFrom}${v.ackTo !== null ? ` ack ${v.ackTo}` : ""}`;
      if (v.action === "ack") return `accept ack ${v.seq}`;
      if (v.action === "duplicate") return `accept duplicate ${v.seq}`;
      if (v.action === "presence") return `accept presence → ${v.recipients.join(",") || "nobody"}`;
      if (v.action === "hold") return `accept hold ${v.kind} → ${v.message.recipients.join(",")}`;
      if (v.action === "held") return `accept held ${v.approvalId}`;
      return `accept ${v.action} ${v.topic}`;
    case "deny":
      return `deny ${v.code}`;
    case "error":
      return `error ${v.code}`;
    case "close":
      return `close ${v.code}`;
  }
}

const send = (to: string, id = "m1"): ClientFrame => ({ type: "send", id, to, body: { x: 1 } });
const request = (to: string, id = "q1"): ClientFrame => ({ type: "request", id, to, body: {}, timeoutMs: 1000 });
const reply = (inReplyTo: string, id = "r1"): ClientFrame => ({ type: "reply", id, inReplyTo, body: {} });
const broadcast: ClientFrame = { type: "broadcast", id: "b1", body: 1 };
const publish = (topic = "deploys.prod"): ClientFrame => ({ type: "publish", id: "p1", topic, body: 1 });
const subscribe = (topic = "deploys.prod"): ClientFrame => ({ type: "subscribe", id: "s1", topic });
const unsubscribe: ClientFrame = { type: "unsubscribe", id: "u1", topic: "deploys.prod" };
const hello = (resumeFrom?: number, v = 1): ClientFrame => ({ type: "hello", v, ...(resumeFrom !== undefined ? { resumeFrom } : {}) });
const ack = (seq: number): ClientFrame => ({ type: "ack", seq });

type Row = [name: string, frame: ClientFrame | PresenceQuestion, from: Sender, world: Partial<World>, expected: string];

const ALL_CLIENT_FRAMES: Array<[string, ClientFrame]> = [
  ["hello", hello()],
  ["ack", ack(1)],
  ["send", send("agt_b")],
  ["request", request("agt_b")],
  ["reply", reply("req-40")],
  ["broadcast", broadcast],
  ["publish", publish()],
  ["subscribe", subscribe()],
  ["unsubscribe", unsubscribe],
];

describe("judge: every frame kind", () => {
  const rows: Row[] = [
    // hello
    ["hello: replay from the cursor", hello(), sender("agt_b", { ready: false }), {}, "accept hello from 30"],
    ["hello: resumeFrom beyond the cursor is an ack", hello(50), sender("agt_b", { ready: false }), {}, "accept hello from 50 ack 50"],
    [
      "hello: resumeFrom beyond the head is clamped to it",
      hello(500),
      sender("agt_b", { ready: false }),
      {},
      "accept hello from 100 ack 100",
    ],
    ["hello: resumeFrom behind the cursor changes nothing", hello(10), sender("agt_b", { ready: false }), {}, "accept hello from 30"],
    ["hello: another protocol version closes 4400", hello(undefined, 2), sender("agt_b", { ready: false }), {}, "close 4400"],
    ["hello: twice is an error", hello(), sender("agt_b"), {}, "error invalid_frame"],
    // ack
    ["ack: accepted", ack(60), sender("agt_b"), {}, "accept ack 60"],
    ["ack: beyond the head is clamped to it", ack(1_000), sender("agt_b"), {}, "accept ack 100"],
    // send
    ["send: allowed by an agent edge", send("agt_b"), sender("agt_a"), {}, "accept message direct → agt_b"],
    ["send: allowed by a role edge (pm → ops)", send("agt_c"), sender("agt_a"), {}, "accept message direct → agt_c"],
    ["send: edges are directed", send("agt_a"), sender("agt_b"), {}, "deny not_allowed"],
    ["send: to a stranger", send("agt_nobody"), sender("agt_a"), {}, "deny not_found"],
    ["send: to itself", send("agt_a"), sender("agt_a"), {}, "deny not_found"],
    ["send: to a full queue", send("agt_full"), sender("agt_a"), {}, "deny queue_full"],
    [
      "send: to a suspended agent is queued (it keeps its queue)",
      send("agt_b"),
      sender("agt_a"),
      { members: MEMBERS.map((m) => (m.agentId === "agt_b" ? { ...m, suspended: true } : m)) },
      "accept message direct → agt_b",
    ],
    [
      "send: a retried id is answered with the original seq, even when the rate is exhausted",
      send("agt_b", "dup"),
      sender("agt_a"),
      { rate: { ok: false, retryAfterMs: 10, firstRefusal: true } },
      "accept duplicate 42",
    ],
    [
      "send: over the trust level's rate",
      send("agt_b"),
      sender("agt_a"),
      { rate: { ok: false, retryAfterMs: 1500, firstRefusal: true } },
      "error rate_limited",
    ],
    // request
    ["request: allowed", request("agt_b"), sender("agt_a"), {}, "accept message request → agt_b"],
    ["request: no edge", request("agt_a"), sender("agt_b"), {}, "deny not_allowed"],
    ["request: full queue", request("agt_full"), sender("agt_a"), {}, "deny queue_full"],
    [
      "request: over the rate",
      request("agt_b"),
      sender("agt_a"),
      { rate: { ok: false, retryAfterMs: 1, firstRefusal: false } },
      "error rate_limited",
    ],
    // reply
    ["reply: to the open request made to this agent, no edge needed", reply("req-40"), sender("agt_b"), {}, "accept message reply → agt_a"],
    ["reply: to someone else's request (forged)", reply("req-40"), sender("agt_c"), {}, "deny request_timeout"],
    ["reply: by the requester itself", reply("req-40"), sender("agt_a"), {}, "deny request_timeout"],
    ["reply: to an unknown request", reply("req-41"), sender("agt_b"), {}, "deny request_timeout"],
    ["reply: to an expired request", reply("req-40"), sender("agt_b"), { open: [{ ...OPEN, deadline: NOW }] }, "deny request_timeout"],
    ["reply: to an answered request (closed)", reply("req-40"), sender("agt_b"), { open: [] }, "deny request_timeout"],
    ["reply: naming the requester's client id, not the request id", reply("q-1"), sender("agt_b"), {}, "deny request_timeout"],
    [
      "reply: over the rate",
      reply("req-40"),
      sender("agt_b"),
      { rate: { ok: false, retryAfterMs: 1, firstRefusal: true } },
      "error rate_limited",
    ],
    // broadcast
    [
      "broadcast: to every member with an edge from the sender (queue-full ones skipped)",
      broadcast,
      sender("agt_a"),
      {},
      "accept message broadcast → agt_b,agt_c (skipped agt_full)",
    ],
    ["broadcast: trust level 1 may not broadcast", broadcast, sender("agt_low"), {}, "deny not_allowed"],
    ["broadcast: trust level 0 may not broadcast", broadcast, sender("agt_c"), {}, "deny not_allowed"],
    ["broadcast: no edge at all", broadcast, sender("agt_b"), {}, "deny not_allowed"],
    [
      "broadcast: every allowed queue full",
      broadcast,
      sender("agt_a"),
      { queued: { agt_b: 10_000, agt_c: 10_000, agt_full: 10_000 } },
      "deny queue_full",
    ],
    [
      "broadcast: over the rate",
      broadcast,
      sender("agt_a"),
      { rate: { ok: false, retryAfterMs: 1, firstRefusal: true } },
      "error rate_limited",
    ],
    // publish
    [
      "publish: to subscribers whose subscribe rule still holds (not the publisher, not a queue-full one)",
      publish(),
      sender("agt_a"),
      {},
      "accept message topic → agt_b (skipped agt_full)",
    ],
    ["publish: no publish rule", publish(), sender("agt_b"), {}, "deny not_allowed"],
    ["publish: a topic outside the rule's prefix", publish("builds.prod"), sender("agt_a"), {}, "deny not_allowed"],
    ["publish: nobody subscribed is still accepted", publish("deploys.staging"), sender("agt_a"), {}, "accept message topic → nobody"],
    [
      "publish: over the rate",
      publish(),
      sender("agt_a"),
      { rate: { ok: false, retryAfterMs: 1, firstRefusal: true } },
      "error rate_limited",
    ],
    // subscribe / unsubscribe
    ["subscribe: allowed by a role rule", subscribe(), sender("agt_b"), {}, "accept subscribe deploys.prod"],
    ["subscribe: allowed by an agent rule", subscribe(), sender("agt_full"), {}, "accept subscribe deploys.prod"],
    ["subscribe: no rule", subscribe(), sender("agt_c"), {}, "deny not_allowed"],
    [
      "subscribe: not rate-limited",
      subscribe(),
      sender("agt_b"),
      { rate: { ok: false, retryAfterMs: 1, firstRefusal: true } },
      "accept subscribe deploys.prod",
    ],
    ["unsubscribe: always accepted", unsubscribe, sender("agt_c"), {}, "accept unsubscribe deploys.prod"],
    // presence
    [
      "presence: peers sharing an edge either way hear of it",
      { type: "presence", status: "joined" },
      sender("agt_b"),
      {},
      "accept presence → agt_a",
    ],
    ["presence: role edges count (pm → ops)", { type: "presence", status: "left" }, sender("agt_c"), {}, "accept presence → agt_a"],
    [
      "presence: offline peers are not told",
      { type: "presence", status: "joined" },
      sender("agt_b"),
      { online: ["agt_b", "agt_c"] },
      "accept presence → nobody",
    ],
    [
      "presence snapshot: a newcomer sees the online peers it shares an edge with",
      { type: "presence-snapshot" },
      sender("agt_a"),
      {},
      "accept presence → agt_b,agt_c",
    ],
    [
      "presence snapshot: nobody for an agent with no edges",
      { type: "presence-snapshot" },
      sender("agt_full"),
      { online: ["agt_b", "agt_c"] },
      "accept presence → nobody",
    ],
  ];
  it.each(rows)("%s", (_name, frame, from, world, expected) => {
    expect(shape(judge(frame, from, view(world)))).toBe(expected);
  });
});

describe("judge: the connection's gates apply to every frame kind", () => {
  it.each(ALL_CLIENT_FRAMES)("%s from a suspended agent closes 4003", (_k, frame) => {
    expect(shape(judge(frame, sender("agt_s", { ready: frame.type !== "hello" }), view()))).toBe("close 4003");
  });
  it.each(ALL_CLIENT_FRAMES)("%s on a connection whose token has expired closes 4001", (_k, frame) => {
    expect(shape(judge(frame, sender("agt_a", { exp: NOW / 1000 - 120, ready: frame.type !== "hello" }), view()))).toBe("close 4001");
  });
  it.each(ALL_CLIENT_FRAMES.filter(([k]) => k !== "hello"))("%s before hello is an error", (_k, frame) => {
    expect(shape(judge(frame, sender("agt_a", { ready: false }), view()))).toBe("error invalid_frame");
  });
  it("a token within the clock skew still passes", () => {
    expect(shape(judge(send("agt_b"), sender("agt_a", { exp: NOW / 1000 - 30 }), view()))).toBe("accept message direct → agt_b");
  });
});

describe("judge: what the verdicts carry", () => {
  it("a reply is bound to the open request: recipient, the requester's client id and the request's seq", () => {
    const v = judge(reply("req-40"), sender("agt_b"), view());
    expect(v).toMatchObject({
      verdict: "accept",
      action: "message",
      message: { kind: "reply", recipients: ["agt_a"], inReplyTo: "q-1", requestSeq: 40 },
    });
  });
  it("a request carries its deadline; a send its TTL", () => {
    expect(judge(request("agt_b"), sender("agt_a"), view())).toMatchObject({
      message: { deadline: NOW + 1000, expiresAt: NOW + 86_400_000 },
    });
    expect(judge({ type: "send", id: "t", to: "agt_b", body: 1, ttlSeconds: 60 }, sender("agt_a"), view())).toMatchObject({
      message: { expiresAt: NOW + 60_000 },
    });
  });
  it("denials say what to audit and what observers see — never the body", () => {
    const v = judge(send("agt_a"), sender("agt_b"), view());
    expect(v).toMatchObject({
      verdict: "deny",
      consumesRate: true,
      audit: {
        action: "relay.message_denied",
        target: { type: "agent", id: "agt_a" },
        details: { kind: "direct", recipient: "agt_a" },
        observed: { kind: "direct", to: ["agt_a"] },
      },
    });
    expect(JSON.stringify(v)).not.toContain('"x":1');
    expect(judge(subscribe(), sender("agt_c"), view())).toMatchObject({
      verdict: "deny",
      consumesRate: false,
      audit: { action: "relay.subscription_denied", target: { type: "topic", id: "deploys.prod" } },
    });
  });
  it("a rate refusal says whether it is the first of its spell (only that one is audited)", () => {
    expect(judge(send("agt_b"), sender("agt_a"), view({ rate: { ok: false, retryAfterMs: 2000, firstRefusal: false } }))).toMatchObject({
      verdict: "error",
      code: "rate_limited",
      rateLimited: { firstRefusal: false },
    });
  });
  it("judge changes nothing in the view it reads", () => {
    const w = view();
    const before = JSON.stringify([...w.members()]);
    for (const [, frame] of ALL_CLIENT_FRAMES) judge(frame, sender("agt_a"), w);
    expect(JSON.stringify([...w.members()])).toBe(before);
  });
});
