/**
 * The SDK end to end against the real API Worker and TeamRelay under `wrangler dev` (nothing
 * mocked): token exchange and its refusals, send/accepted with idempotent client ids, presence,
 * denial without an edge, request/reply (also nested inside a handler) and both request timeouts,
 * topics, broadcasts, reconnect + resume after the test kills or silences the socket (missed
 * messages arrive once and in order; frames in flight are re-sent under the same id and delivered
 * once; a message whose handler was running is handled once), manual acks and cursors, token
 * renewal, 4001/4003 handling, close() from inside a handler — and the sprint hand-off example,
 * run as a child process exactly as its README says; and the published package: built, packed,
 * linted (publint, @arethetypeswrong/cli), installed from the tarball into a fresh project outside
 * the repo, running sdk/README.md's quick start verbatim against this file's stack, and the Agents
 * SDK example (examples/agents-sdk-worker) typechecked against the built package.
 *
 * Not covered here: a real browser, and Workers over a real network (test/workers/sdk-workers.test.ts
 * runs the SDK inside workerd through the test Worker's own fetch).
 *
 * Each test builds its own tenant (createWorld), so tests never share agents, cursors or relays.
 */
import { execFile, spawn } from "node:child_process";
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { publint } from "publint";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket as WsWebSocket } from "ws";
import {
  ClientClosedError,
  ConnectionClosedError,
  RelayDeniedError,
  RequestTimeoutError,
  SwitchboardAgent,
  TokenExchangeError,
  exchangeAgentToken,
  subprotocolTransport,
  type IncomingMessage,
  type OpenSocket,
  type SwitchboardAgentOptions,
} from "../../sdk/src/index";
import { ROOT } from "../support/local-stack";
import { envFile, program as connectPanelProgram, PROGRAM_FILE } from "../../web/src/lib/agent-connection";
import { cleanEnv, packAndInstallSdk, type PackedSdk } from "./sdk-package-support";
import { createWorld, eventually, OwnerApi, startApiStack, type ApiStack, type TestAgent, type World } from "./sdk-support";

let stack: ApiStack;
let owner: OwnerApi;
const clients: SwitchboardAgent[] = [];

beforeAll(async () => {
  stack = await startApiStack();
  owner = new OwnerApi(stack.url);
  await owner.login();
}, 150_000);

afterAll(async () => {
  await Promise.allSettled(clients.map((c) => c.close()));
  await stack?.stop();
});

function agentFor(world: World, who: TestAgent, options: Partial<SwitchboardAgentOptions> = {}): SwitchboardAgent {
  const agent = new SwitchboardAgent({ url: stack.url, agentId: who.id, secret: who.secret, teamId: world.teamId, ...options });
  clients.push(agent);
  return agent;
}

/** Collects an agent's `message` events. */
function inboxOf(agent: SwitchboardAgent): IncomingMessage[] {
  const got: IncomingMessage[] = [];
  agent.on("message", (m) => void got.push(m));
  return got;
}

/**
 * Opens sockets with the `ws` package (the Node 20 path) and keeps them, so a test can kill one
 * abruptly (`terminate()`: no close frame, like a dropped network) or hold the next connection back.
 */
function controlledSockets() {
  const sockets: WsWebSocket[] = [];
  let gate: Promise<void> = Promise.resolve();
  /** The socket opened last goes silent both ways (a half-open connection: no close, no pong). */
  let mutedSocket: WsWebSocket | null = null;
  const openSocket: OpenSocket = async ({ url, token }) => {
    await gate;
    const ws = new WsWebSocket(url, ["switchboard.v1"], { headers: { authorization: `Bearer ${token}` } });
    sockets.push(ws);
    return {
      get readyState() {
        return ws.readyState;
      },
      send: (data: string) => (mutedSocket === ws ? undefined : ws.send(data)),
      close: (code?: number, reason?: string) => ws.close(code, reason),
      addEventListener: (type: "open" | "message" | "close" | "error", listener: (event: any) => void) =>
        ws.addEventListener(type, (event: any) => (type === "message" && mutedSocket === ws ? undefined : listener(event))),
    };
  };
  return {
    openSocket,
    sockets,
    kill: () => sockets.at(-1)!.terminate(),
    mute: () => void (mutedSocket = sockets.at(-1)!),
    /** Holds every new connection until the returned function is called. */
    hold(): () => void {
      let release!: () => void;
      gate = new Promise((r) => (release = r));
      return release;
    },
  };
}

describe("token exchange", () => {
  it("exchanges id + secret for a 15-minute team token, and refuses a wrong secret with the API's code", async () => {
    const world = await createWorld(owner, "tokens", ["a"]);
    const a = world.agents.a!;
    const before = Date.now();
    const token = await exchangeAgentToken({ url: stack.url, agentId: a.id, secret: a.secret, teamId: world.teamId });
    const after = Date.now();
    expect(token.token.split(".")).toHaveLength(3);
    // expires_in is 900 s, counted from before the request (errs early, never late).
    expect(token.expiresAt).toBeGreaterThanOrEqual(before + 900_000);
    expect(token.expiresAt).toBeLessThanOrEqual(after + 900_000);
    // The token opens /v1/agent/me for this agent and team.
    const me = await fetch(`${stack.url}/v1/agent/me`, { headers: { authorization: `Bearer ${token.token}` } }).then((r) => r.json());
    expect(me).toMatchObject({ agentId: a.id, teamId: world.teamId });

    const wrong = await exchangeAgentToken({ url: stack.url, agentId: a.id, secret: "sba_wrong", teamId: world.teamId }).catch((e) => e);
    expect(wrong).toBeInstanceOf(TokenExchangeError);
    expect(wrong).toMatchObject({ status: 401, code: "invalid_credentials", fatal: true });

    // connect() gives up at once on a fatal refusal (no reconnect loop) and says why.
    const agent = agentFor(world, { ...a, secret: "sba_wrong" });
    const reconnecting: unknown[] = [];
    agent.on("reconnecting", (r) => void reconnecting.push(r));
    await expect(agent.connect()).rejects.toMatchObject({ code: "invalid_credentials" });
    expect(agent.connectionState).toBe("closed");
    expect(reconnecting).toEqual([]);
  });
});

describe("messages", () => {
  it("send resolves on accepted, delivers once, and a repeated client id is deduplicated", async () => {
    const world = await createWorld(owner, "send", ["a", "b"], { edges: [{ from: "a", to: "b" }] });
    const a = agentFor(world, world.agents.a!);
    // b connects the way a browser must: the token as a `bearer.<token>` subprotocol, no header.
    const b = agentFor(world, world.agents.b!, { openSocket: subprotocolTransport() });
    const got = inboxOf(b);
    const presence: string[] = [];
    a.on("presence", (p) => void presence.push(`${p.agentId === world.agents.b!.id ? "b" : p.agentId}:${p.status}`));
    await Promise.all([a.connect(), b.connect()]);

    const first = await a.send(world.agents.b!.id, { text: "spec ready" }, { clientId: "spec-1" });
    expect(first).toEqual({ id: "spec-1", seq: expect.any(Number) });
    const again = await a.send(world.agents.b!.id, { text: "spec ready" }, { clientId: "spec-1" });
    expect(again.seq).toBe(first.seq);
    const generated = await a.send(world.agents.b!.id, "second");
    expect(generated.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(generated.seq).toBeGreaterThan(first.seq);

    await eventually(() => got.length >= 2, "two deliveries");
    await new Promise((r) => setTimeout(r, 200));
    expect(got.map((m) => [m.kind, m.from, m.id, m.body])).toEqual([
      ["direct", world.agents.a!.id, "spec-1", { text: "spec ready" }],
      ["direct", world.agents.a!.id, generated.id, "second"],
    ]);
    // a shares an edge with b, so it sees b come and go (once each, whichever connected first).
    await b.close();
    await eventually(() => presence.length === 2, "b joined and left");
    expect(presence).toEqual(["b:joined", "b:left"]);
  });

  it("rejects with a typed RelayDeniedError naming the frame when there is no edge, and emits denied", async () => {
    const world = await createWorld(owner, "denied", ["a", "b"], { edges: [{ from: "a", to: "b" }] });
    const b = agentFor(world, world.agents.b!);
    await b.connect();
    const denials: string[] = [];
    b.on("denied", ({ frame }) => void denials.push(frame.id));
    const err = await b.send(world.agents.a!.id, "no edge back", { clientId: "back-1" }).catch((e) => e);
    expect(err).toBeInstanceOf(RelayDeniedError);
    expect(err).toMatchObject({ code: "not_allowed", frameId: "back-1" });
    expect(denials).toEqual(["back-1"]);
    // Invalid frames never leave the client: the shared schema checks them first.
    await expect(b.subscribe("bad topic!")).rejects.toMatchObject({ code: "invalid_frame" });
    // The connection survived both.
    expect(b.connectionState).toBe("open");
  });

  it("request → reply resolves with the reply; an unanswered request rejects with the relay's timeout", async () => {
    const world = await createWorld(owner, "request", ["pm", "eng"], { edges: [{ from: "pm", to: "eng" }] });
    // A long grace for the client's own timer, so the timeout below can only be the relay's frame.
    const pm = agentFor(world, world.agents.pm!, { requestGraceMs: 10_000 });
    const eng = agentFor(world, world.agents.eng!);
    eng.on("request", async (req) => {
      if ((req.body as { ask: string }).ask === "estimate") return { points: 5 }; // returned value = the reply
      if ((req.body as { ask: string }).ask === "explicit") await req.reply({ ok: true }, { clientId: "r-explicit" });
      // anything else: no answer
    });
    await Promise.all([pm.connect(), eng.connect()]);

    const reply = await pm.request(world.agents.eng!.id, { ask: "estimate" }, { timeoutMs: 5_000 });
    expect(reply).toMatchObject({ kind: "reply", from: world.agents.eng!.id, body: { points: 5 } });
    const explicit = await pm.request(world.agents.eng!.id, { ask: "explicit" }, { clientId: "q-explicit", timeoutMs: 5_000 });
    expect(explicit).toMatchObject({ id: "r-explicit", inReplyTo: "q-explicit", body: { ok: true } });

    const started = Date.now();
    const timeout = await pm.request(world.agents.eng!.id, { ask: "silence" }, { clientId: "q-silent", timeoutMs: 300 }).catch((e) => e);
    expect(timeout).toBeInstanceOf(RequestTimeoutError);
    expect(timeout).toMatchObject({ requestId: "q-silent", source: "relay" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);

    // Without an edge the request itself is denied (and nothing waits for a reply).
    await expect(eng.request(world.agents.pm!.id, "hi", { timeoutMs: 1_000 })).rejects.toBeInstanceOf(RelayDeniedError);
  });

  it("a request handler may itself await a request: replies are not queued behind the running handler", async () => {
    const world = await createWorld(owner, "nested", ["pm", "eng", "ops"], {
      edges: [
        { from: "pm", to: "eng" },
        { from: "eng", to: "ops" },
      ],
    });
    const pm = agentFor(world, world.agents.pm!);
    const eng = agentFor(world, world.agents.eng!);
    const ops = agentFor(world, world.agents.ops!);
    ops.on("request", () => ({ capacity: "two engineers free" }));
    eng.on("request", async () => {
      const fromOps = await eng.request(world.agents.ops!.id, { ask: "capacity" }, { timeoutMs: 5_000 });
      return { points: 8, ...(fromOps.body as object) };
    });
    await Promise.all([pm.connect(), eng.connect(), ops.connect()]);
    const started = Date.now();
    const reply = await pm.request(world.agents.eng!.id, { ask: "estimate" }, { timeoutMs: 10_000 });
    expect(reply.body).toEqual({ points: 8, capacity: "two engineers free" });
    expect(Date.now() - started).toBeLessThan(4_000);
    // Acks stay in seq order: eng's cursor covers the request and the reply it claimed.
    await eventually(() => eng.cursor >= reply.seq - 1, "eng acked both");
  });

  it("subscribe / publish / unsubscribe and broadcast", async () => {
    const world = await createWorld(owner, "topics", ["pm", "ops", "eng"], {
      edges: [
        { from: "pm", to: "ops" },
        { from: "pm", to: "eng" },
      ],
      topics: [
        { agent: "pm", topic: "deploys", action: "publish" },
        { agent: "ops", topic: "deploys", action: "subscribe" },
      ],
    });
    const pm = agentFor(world, world.agents.pm!);
    const ops = agentFor(world, world.agents.ops!);
    const eng = agentFor(world, world.agents.eng!);
    const opsGot = inboxOf(ops);
    const engGot = inboxOf(eng);
    await Promise.all([pm.connect(), ops.connect(), eng.connect()]);

    await ops.subscribe("deploys");
    await expect(eng.subscribe("deploys")).rejects.toMatchObject({ code: "not_allowed" });
    await pm.publish("deploys", { version: "1.2.3" });
    await eventually(() => opsGot.length === 1, "topic delivery");
    expect(opsGot[0]).toMatchObject({ kind: "topic", topic: "deploys", body: { version: "1.2.3" } });

    await ops.unsubscribe("deploys");
    await pm.publish("deploys", { version: "1.2.4" });
    const plan = await pm.broadcast({ sprint: 42 });
    await eventually(() => opsGot.length === 2 && engGot.length === 1, "broadcast to both");
    expect(opsGot[1]).toMatchObject({ kind: "broadcast", seq: plan.seq, body: { sprint: 42 } });
    expect(engGot[0]).toMatchObject({ kind: "broadcast", seq: plan.seq });
    expect(opsGot.some((m) => (m.body as { version?: string }).version === "1.2.4")).toBe(false);
  });
});

describe("reconnect and resume", () => {
  it("after the socket is killed, messages sent meanwhile arrive once, in order, and nothing is redelivered", async () => {
    const world = await createWorld(owner, "resume", ["a", "b"], { edges: [{ from: "a", to: "b" }] });
    const a = agentFor(world, world.agents.a!);
    const sockets = controlledSockets();
    const b = agentFor(world, world.agents.b!, { openSocket: sockets.openSocket, reconnect: { baseMs: 50, capMs: 200 } });
    const got = inboxOf(b);
    const events: string[] = [];
    b.on("disconnected", () => void events.push("disconnected"));
    b.on("reconnecting", (r) => void events.push(`reconnecting:${r.reason}`));
    b.on("connected", (c) => void events.push(c.resumed ? "resumed" : "connected"));
    await Promise.all([a.connect(), b.connect()]);

    for (let i = 1; i <= 3; i++) await a.send(world.agents.b!.id, { n: i });
    await eventually(() => got.length === 3 && b.cursor === got[2]!.seq, "first three delivered and acked");

    const release = sockets.hold();
    sockets.kill();
    await eventually(() => events.includes("disconnected"), "the client noticing the dead socket");
    for (let i = 4; i <= 8; i++) await a.send(world.agents.b!.id, { n: i });
    release();

    await eventually(() => got.length >= 8, "the five missed messages", 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(got.map((m) => (m.body as { n: number }).n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const seqs = got.map((m) => m.seq);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    expect(events).toEqual(["connected", "disconnected", "reconnecting:closed", "resumed"]);
    expect(sockets.sockets).toHaveLength(2);
  });

  it("a message whose handler is still running when the socket dies is replayed by the relay but handled once", async () => {
    const world = await createWorld(owner, "slow-handler", ["a", "b"], { edges: [{ from: "a", to: "b" }] });
    const a = agentFor(world, world.agents.a!);
    const sockets = controlledSockets();
    const b = agentFor(world, world.agents.b!, { openSocket: sockets.openSocket, reconnect: { baseMs: 50, capMs: 200 } });
    let finish!: () => void;
    const handled: number[] = [];
    b.on("message", async (m) => {
      handled.push(m.seq);
      if (handled.length === 1) await new Promise<void>((r) => (finish = r)); // still working on it…
    });
    let welcomes = 0;
    b.on("connected", () => void welcomes++);
    await Promise.all([a.connect(), b.connect()]);
    const { seq } = await a.send(world.agents.b!.id, "slow");
    await eventually(() => handled.length === 1, "handler started");
    sockets.kill(); // …when the connection drops: the message is not acked, so the relay replays it
    await eventually(() => welcomes === 2, "reconnected");
    await new Promise((r) => setTimeout(r, 300));
    finish();
    await eventually(() => b.cursor === seq, "acked once the handler finished");
    expect(handled).toEqual([seq]);
  });

  it("a frame in flight when the socket dies is re-sent with the same client id and delivered once", async () => {
    const world = await createWorld(owner, "resend", ["a", "b"], { edges: [{ from: "a", to: "b" }] });
    const sockets = controlledSockets();
    const a = agentFor(world, world.agents.a!, { openSocket: sockets.openSocket, reconnect: { baseMs: 50, capMs: 200 } });
    const b = agentFor(world, world.agents.b!);
    const got = inboxOf(b);
    await Promise.all([a.connect(), b.connect()]);

    // Sent while offline: queued, and sent after the next welcome.
    const release = sockets.hold();
    sockets.kill();
    await eventually(() => a.connectionState === "connecting", "a offline");
    const queued = a.send(world.agents.b!.id, "queued while offline", { clientId: "offline-1" });
    release();
    await queued;

    // Sent and killed in the same turn: the relay may or may not have stored it; either way one delivery.
    const inFlight = a.send(world.agents.b!.id, "in flight", { clientId: "inflight-1" });
    sockets.kill();
    const accepted = await inFlight;
    expect(accepted.id).toBe("inflight-1");

    await eventually(() => got.length >= 2, "both delivered", 10_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(got.map((m) => m.id)).toEqual(["offline-1", "inflight-1"]);
  });

  it("a connection that stops answering heartbeats is dropped and replaced, and resumes", async () => {
    const world = await createWorld(owner, "heartbeat", ["a", "b"], { edges: [{ from: "a", to: "b" }] });
    const a = agentFor(world, world.agents.a!);
    const sockets = controlledSockets();
    const b = agentFor(world, world.agents.b!, {
      openSocket: sockets.openSocket,
      heartbeatIntervalMs: 200,
      heartbeatTimeoutMs: 300,
      reconnect: { baseMs: 50, capMs: 200 },
    });
    const got = inboxOf(b);
    const reasons: string[] = [];
    b.on("reconnecting", (r) => void reasons.push(r.reason));
    await Promise.all([a.connect(), b.connect()]);
    // Heartbeats on a healthy connection: several intervals pass without a reconnect.
    await new Promise((r) => setTimeout(r, 700));
    expect(reasons).toEqual([]);

    sockets.mute();
    await a.send(world.agents.b!.id, "sent into the silence");
    await eventually(() => reasons.includes("heartbeat_timeout"), "the dead connection noticed", 5_000);
    await eventually(() => got.length === 1, "the message, replayed on the new connection", 5_000);
    expect(got[0]!.body).toBe("sent into the silence");
    expect(sockets.sockets).toHaveLength(2);
  });

  it("a request that cannot even be sent times out on the client's timer and is not sent after the reconnect", async () => {
    const world = await createWorld(owner, "client-timeout", ["pm", "eng"], { edges: [{ from: "pm", to: "eng" }] });
    const sockets = controlledSockets();
    const pm = agentFor(world, world.agents.pm!, {
      openSocket: sockets.openSocket,
      requestGraceMs: 0,
      heartbeatIntervalMs: 200,
      heartbeatTimeoutMs: 300,
      reconnect: { baseMs: 50, capMs: 200 },
    });
    const eng = agentFor(world, world.agents.eng!);
    const asked: string[] = [];
    // What eng was asked (a request reaches it under the relay's id, `req-<seq>`, not the client's).
    eng.on("request", (req) => void asked.push(String(req.body)));
    await Promise.all([pm.connect(), eng.connect()]);

    sockets.mute(); // the request goes nowhere, and no answer could come back
    const started = Date.now();
    const err = await pm.request(world.agents.eng!.id, "anyone?", { clientId: "q-lost", timeoutMs: 300 }).catch((e) => e);
    expect(err).toBeInstanceOf(RequestTimeoutError);
    expect(err).toMatchObject({ requestId: "q-lost", source: "client" });
    expect(Date.now() - started).toBeLessThan(2_000);

    await eventually(
      () => sockets.sockets.length === 2 && pm.connectionState === "open",
      "pm reconnected after the heartbeat timeout",
      5_000,
    );
    const later = await pm.request(world.agents.eng!.id, "still there?", { clientId: "q-later", timeoutMs: 1_000 }).catch((e) => e);
    expect(later).toBeInstanceOf(RequestTimeoutError); // eng does not answer; what matters is what it saw
    expect(asked).toEqual(["still there?"]);
  });

  it("close() from inside a handler does not deadlock, and the unfinished message comes again", async () => {
    const world = await createWorld(owner, "close-inside", ["a", "b"], { edges: [{ from: "a", to: "b" }] });
    const a = agentFor(world, world.agents.a!);
    const first = agentFor(world, world.agents.b!);
    first.on("message", async () => {
      await first.close({ drainTimeoutMs: 200 });
    });
    await Promise.all([a.connect(), first.connect()]);
    await a.send(world.agents.b!.id, "shut down");
    await eventually(() => first.connectionState === "closed", "closed from its own handler", 3_000);

    const second = agentFor(world, world.agents.b!);
    const got = inboxOf(second);
    await second.connect();
    await eventually(() => got.length === 1, "the message again");
    expect(got[0]!.body).toBe("shut down");
  });

  it("with autoAck off, an unacked message is replayed to a new process; resumeFrom continues where a cursor left off", async () => {
    const world = await createWorld(owner, "manual-ack", ["a", "b"], { edges: [{ from: "a", to: "b" }] });
    const a = agentFor(world, world.agents.a!);
    await a.connect();
    const s1 = await a.send(world.agents.b!.id, "one");
    const s2 = await a.send(world.agents.b!.id, "two");

    const first = agentFor(world, world.agents.b!, { autoAck: false });
    const got1 = inboxOf(first);
    await first.connect();
    await eventually(() => got1.length === 2, "two delivered");
    got1[0]!.ack(); // processed "one" only
    await first.close();

    const second = agentFor(world, world.agents.b!, { autoAck: false });
    const got2 = inboxOf(second);
    await second.connect();
    await eventually(() => got2.length === 1, "the unacked one replayed");
    expect(got2[0]).toMatchObject({ seq: s2.seq, body: "two" });
    await second.close();

    // A cursor persisted by an earlier run: nothing at or below it is delivered.
    const third = agentFor(world, world.agents.b!, { resumeFrom: s2.seq });
    const got3 = inboxOf(third);
    await third.connect();
    await a.send(world.agents.b!.id, "three");
    await eventually(() => got3.length === 1, "only the new one");
    expect(got3[0]!.body).toBe("three");
    expect(third.cursor).toBeGreaterThan(s2.seq);
    expect(s1.seq).toBeLessThan(s2.seq);
  });
});

describe("identity over time", () => {
  it("renews the token before it expires by reconnecting with a fresh one, without losing messages", async () => {
    const world = await createWorld(owner, "refresh", ["a", "b"], { edges: [{ from: "a", to: "b" }] });
    let exchanges = 0;
    const countingFetch: typeof fetch = (input, init) => {
      if (String(input).endsWith("/v1/agent-tokens")) exchanges++;
      return fetch(input, init);
    };
    const a = agentFor(world, world.agents.a!);
    // Tokens live 900 s; renewing 897 s early means "3 s after each exchange".
    const b = agentFor(world, world.agents.b!, { fetch: countingFetch, tokenRefreshLeadMs: 897_000 });
    const got = inboxOf(b);
    const reasons: string[] = [];
    b.on("reconnecting", (r) => void reasons.push(r.reason));
    b.on("error", (e) => void reasons.push(`error:${e.code}:${e.message}`));
    b.on("disconnected", (d) => void reasons.push(`disconnected:${d.code}:${d.reason}`));
    await Promise.all([a.connect(), b.connect()]);
    await a.send(world.agents.b!.id, "before");
    let connections = 0;
    b.on("connected", () => void connections++);
    await eventually(() => reasons.includes("token_refresh") && connections === 1, "a renewal and a new connection", 10_000).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(reasons)}`);
    });
    await a.send(world.agents.b!.id, "after");
    await eventually(() => got.length === 2, "both messages");
    expect(got.map((m) => m.body)).toEqual(["before", "after"]);
    expect(exchanges).toBeGreaterThanOrEqual(2);
    expect(b.tokens.exchanges).toBe(exchanges);
  });

  it("removed from the team: the relay closes 4001, the new exchange is refused, and the client stops for good", async () => {
    const world = await createWorld(owner, "removed", ["a", "b"], { edges: [{ from: "a", to: "b" }] });
    const b = agentFor(world, world.agents.b!);
    await b.connect();
    const stopped = new Promise<{ code: number; error?: unknown }>((resolve) =>
      b.on("disconnected", (d) => void (d.willReconnect ? null : resolve(d))),
    );
    await owner.call("DELETE", `/v1/tenants/${world.tenantId}/teams/${world.teamId}/agents/${world.agents.b!.id}`);
    const final = await stopped;
    expect(final.error).toBeInstanceOf(TokenExchangeError);
    expect(final.error).toMatchObject({ status: 403, code: "forbidden" });
    expect(b.connectionState).toBe("closed");
    await expect(b.send(world.agents.a!.id, "x")).rejects.toBeInstanceOf(ClientClosedError);
  });

  it("suspended: close 4003 stops the client without reconnecting", async () => {
    const world = await createWorld(owner, "suspended", ["a"]);
    const a = agentFor(world, world.agents.a!);
    await a.connect();
    const reconnecting: unknown[] = [];
    a.on("reconnecting", (r) => void reconnecting.push(r));
    const stopped = new Promise<{ code: number; error?: unknown }>((resolve) => a.on("disconnected", (d) => void resolve(d)));
    await owner.call("POST", `/v1/tenants/${world.tenantId}/agents/${world.agents.a!.id}/suspend`);
    const final = await stopped;
    expect(final.code).toBe(4003);
    expect(final.error).toBeInstanceOf(ConnectionClosedError);
    expect(reconnecting).toEqual([]);
  });
});

describe("examples/sprint-handoff", () => {
  function runExample(env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
    return new Promise((resolve) => {
      // What the README says to run: npx tsx examples/sprint-handoff/main.ts
      const child = spawn(process.execPath, [`${ROOT}/node_modules/tsx/dist/cli.mjs`, "examples/sprint-handoff/main.ts"], {
        cwd: ROOT,
        // This stack's data directory: where the seed kept the scripts' API key the example uses.
        env: { ...process.env, SWITCHBOARD_URL: stack.url, SWITCHBOARD_STATE_DIR: stack.stateDir, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (c) => (out += c));
      child.stderr.on("data", (c) => (out += c));
      const timer = setTimeout(() => child.kill("SIGKILL"), 40_000);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, output: out });
      });
    });
  }
  const TRANSCRIPT = [
    "PM → Engineering  request",
    "Engineering → PM  reply",
    "PM ⇒ team  broadcast",
    "PM ⇒ #deploys  publish",
    "Ops → PM  ack",
    "Sprint hand-off complete",
  ];

  it("runs against the seeded stack with one command and prints the hand-off transcript", async () => {
    const { code, output } = await runExample();
    expect(code, output).toBe(0);
    for (const line of TRANSCRIPT) expect(output).toContain(line);
    expect(output).toContain("rotated the three agents' secrets");
    expect(output).toMatch(/added \d+ allowlist rule/);
  }, 60_000);

  it("runs again (setup is idempotent) on a runtime without a global WebSocket, through the ws package (the Node 20 path)", async () => {
    const { code, output } = await runExample({ NODE_OPTIONS: "--no-experimental-websocket" });
    expect(code, output).toBe(0);
    for (const line of TRANSCRIPT) expect(output).toContain(line);
    expect(output).not.toMatch(/added \d+ allowlist rule/); // the rules from the first run are still there
  }, 60_000);
});

describe("the published package: npm pack, installed from the tarball into a fresh project outside the repo", () => {
  let packed: PackedSdk;
  const runFile = promisify(execFile);

  beforeAll(async () => {
    packed = await packAndInstallSdk();
  }, 150_000);
  afterAll(() => {
    if (packed) rmSync(packed.dir, { recursive: true, force: true });
  });

  it("ships only dist/ (ESM + one bundled .d.ts) that reaches nothing outside the package, and exports ~20 public names", async () => {
    const installed = path.join(packed.app, "node_modules/@switchboard/sdk");
    const manifest = JSON.parse(readFileSync(path.join(installed, "package.json"), "utf8"));
    expect(manifest.private).toBeUndefined();
    expect(manifest.exports["."]).toEqual({ types: "./dist/index.d.ts", default: "./dist/index.js" });
    expect(Object.keys(manifest.dependencies ?? {})).toEqual([]);
    const js = readFileSync(path.join(installed, "dist/index.js"), "utf8");
    const dts = readFileSync(path.join(installed, "dist/index.d.ts"), "utf8");
    // The protocol is bundled in: the only import left is the zod peer dependency.
    for (const code of [js, dts]) expect([...code.matchAll(/from "([^"]+)"/g)].map((m) => m[1])).toEqual(["zod"]);
    const sdk = await import(path.join(installed, "dist/index.js"));
    const names = Object.keys(sdk).sort();
    expect(names).toEqual(
      [
        "ClientClosedError",
        "ConnectionClosedError",
        "CoordinationClient",
        "CoordinationError",
        "EgressRefusedError",
        "RelayDeniedError",
        "RelayFrameError",
        "RequestTimeoutError",
        "SkillError",
        "SkillsClient",
        "SwitchboardAgent",
        "SwitchboardError",
        "TokenExchangeError",
        "TokenSource",
        "createEgressClient",
        "createEgressFetch",
        "egressOutcome",
        "exchangeAgentToken",
        "nodeGlobalTransport",
        "subprotocolTransport",
        "workersFetchTransport",
        "wsPackageTransport",
      ].sort(),
    );
    // Internals stay internal.
    for (const internal of ["Backoff", "backoffDelay", "ServerFrameSchema", "ClientFrameSchema", "parseServerFrame", "Outbox"])
      expect(names).not.toContain(internal);
  });

  it("passes publint (strict) and @arethetypeswrong/cli (ESM-only profile) on the tarball", async () => {
    // publint on the tarball's contents as npm unpacked them (pack: false: exactly these files).
    const installed = path.join(packed.app, "node_modules/@switchboard/sdk");
    const lint = await publint({ pkgDir: installed, pack: false, level: "suggestion", strict: true });
    expect(lint.messages).toEqual([]);
    // The same check does fail on a broken manifest (`types` must come first in a condition map).
    const broken = path.join(packed.dir, "broken");
    cpSync(installed, broken, { recursive: true });
    const manifest = JSON.parse(readFileSync(path.join(broken, "package.json"), "utf8"));
    writeFileSync(
      path.join(broken, "package.json"),
      JSON.stringify({ ...manifest, exports: { ".": { default: "./dist/index.js", types: "./dist/index.d.ts" } } }),
    );
    expect((await publint({ pkgDir: broken, pack: false, strict: true })).messages.map((m) => m.code)).toContain(
      "EXPORTS_TYPES_SHOULD_BE_FIRST",
    );
    const attw = await runFile(
      process.execPath,
      [path.join(ROOT, "node_modules/@arethetypeswrong/cli/dist/index.js"), packed.tarball, "--profile", "esm-only", "--format", "table"],
      { env: cleanEnv({ NO_COLOR: "1" }) },
    ).catch((e: { code: number; stdout: string }) => e);
    expect("code" in attw ? attw.code : 0, attw.stdout).toBe(0);
    const table = attw.stdout.replace(/\x1b\[[0-9;]*m/g, "");
    expect(table).toMatch(/node16 \(from ESM\)\s*│\s*🟢 \(ESM\)/);
    expect(table).toMatch(/bundler\s*│\s*🟢/);
  }, 60_000);

  it("runs sdk/README.md's quick start verbatim: connect, send, request answered by another agent, close", async () => {
    const readme = readFileSync(path.join(ROOT, "sdk/README.md"), "utf8");
    const quickStart = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;
    writeFileSync(path.join(packed.app, "agent.ts"), quickStart);

    const world = await createWorld(owner, "quickstart", ["me", "peer"], { edges: [{ from: "me", to: "peer" }] });
    const peer = agentFor(world, world.agents.peer!);
    const got = inboxOf(peer);
    peer.on("request", (req) => ({ estimate: 3, asked: req.body }));
    await peer.connect();

    // As the README says to run it: `node agent.ts` (Node 22.18+ strips the types itself).
    const { stdout } = await runFile(process.execPath, ["agent.ts"], {
      cwd: packed.app,
      timeout: 30_000,
      env: cleanEnv({
        SWITCHBOARD_URL: stack.url,
        SWITCHBOARD_AGENT_ID: world.agents.me!.id,
        SWITCHBOARD_AGENT_SECRET: world.agents.me!.secret,
        SWITCHBOARD_TEAM_ID: world.teamId,
        PEER_AGENT_ID: world.agents.peer!.id,
      }),
    });
    expect(stdout).toMatch(/stored as #\d+/);
    expect(stdout).toContain("reply: { estimate: 3, asked: { ask: 'estimate' } }");
    await eventually(
      () => got.some((m) => m.kind === "direct" && JSON.stringify(m.body) === JSON.stringify({ text: "spec ready" })),
      "the quick start's message at the peer",
    );
  }, 40_000);

  it('runs the dashboard\'s "Connect this agent" program with its env file: connects, and stops cleanly on Ctrl-C', async () => {
    const world = await createWorld(owner, "connect-panel", ["bot"]);
    const bot = world.agents.bot!;
    writeFileSync(path.join(packed.app, PROGRAM_FILE), connectPanelProgram);
    writeFileSync(
      path.join(packed.app, ".env"),
      envFile({ apiOrigin: stack.url, agentId: bot.id, secret: bot.secret, teamId: world.teamId }),
    );
    const child = spawn(process.execPath, ["--env-file=.env", PROGRAM_FILE], {
      cwd: packed.app,
      env: cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c) => (output += c));
    child.stderr.on("data", (c) => (output += c));
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const connected = await eventually(() => output.includes("Connected to the team's relay."), "the program to connect", 20_000).then(
      () => true,
      () => false,
    );
    child.kill("SIGINT");
    expect(connected, output).toBe(true);
    expect(await exited, output).toBe(0);
  }, 40_000);

  it("examples/agents-sdk-worker (a Cloudflare Agents SDK agent using the SDK) typechecks against the built package", async () => {
    const result = await runFile(
      process.execPath,
      [path.join(ROOT, "node_modules/typescript/bin/tsc"), "--noEmit", "-p", "examples/agents-sdk-worker"],
      { cwd: ROOT },
    ).catch((e: { code: number; stdout: string }) => e);
    expect("code" in result ? result.code : 0, result.stdout).toBe(0);
  }, 60_000);
});
