/**
 * The measurements, each on an open Session (session.mjs). Times are performance.now() ms.
 *
 * - throughput: every sender keeps `window` messages unanswered (saturation: the server is never
 *   idle) until `maxMessages` were sent or `durationMs` passed; messages/s = `accepted` frames ÷
 *   time from the first send to the last answer. A capacity figure, so closed-loop on purpose;
 *   latency is the open-loop test below.
 * - requestReply: OPEN-LOOP. Requests are scheduled at a fixed rate whatever the answers do, and
 *   latency runs from the SCHEDULED send time to the reply's arrival, so a stall delays every
 *   request scheduled behind it (no coordinated omission). A request/reply is two relayed
 *   messages: A→B `request`, B→A `reply` (echo variants: two echo round trips, chained).
 * - broadcast: one sender keeps `window` broadcasts unanswered; deliveries/s are counted at the
 *   recipients, from the first send to the last delivery.
 */
import WebSocket from "ws";
import { nextId } from "./session.mjs";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const DRAIN_MS = 5_000;

/** A JSON body whose serialisation is `bytes` long: {"pad":"xxx…"} */
export function bodyOf(bytes) {
  return { pad: "x".repeat(Math.max(0, bytes - 10)) };
}

/** Sender i sends to (i+1) mod ring; a 1-agent session has a second agent connected as the receiver. */
export function ringPeer(i, senders, connected) {
  return senders === 1 ? 1 % connected : (i + 1) % senders;
}

async function waitUntil(predicate, timeoutMs) {
  const end = performance.now() + timeoutMs;
  while (!predicate() && performance.now() < end) await sleep(5);
  return predicate();
}

export async function throughput(session, { senders, bodyBytes, durationMs, maxMessages = Infinity, window }) {
  const body = bodyOf(bodyBytes);
  const perSender = Math.max(2, Math.ceil(window / senders));
  const t0 = performance.now();
  const end = t0 + durationMs;
  let sent = 0;
  let accepted = 0;
  let lastAcceptedAt = t0;
  let delivered = 0;
  let sending = true;
  const sendOne = (i) => {
    const to = session.agents[ringPeer(i, senders, session.agents.length)].id;
    session.send(session.agents[i], { type: "send", id: nextId(i), to, body });
    sent += 1;
  };
  session.on({
    accepted(agent) {
      accepted += 1;
      lastAcceptedAt = performance.now();
      if (sending && lastAcceptedAt < end && sent < maxMessages) sendOne(agent.index);
    },
    deliver() {
      delivered += 1;
    },
  });
  const problemsBefore = session.problems;
  for (let i = 0; i < senders; i++) for (let k = 0; k < perSender; k++) sendOne(i);
  await waitUntil(() => sent >= maxMessages, durationMs);
  sending = false;
  const drained = await waitUntil(() => accepted + (session.problems - problemsBefore) >= sent, DRAIN_MS);
  // Over the whole burst, first send to last answer: a server that answers in waves (d awaits D1
  // in a queue) is not judged by where the window's edge happens to fall.
  const elapsedMs = lastAcceptedAt - t0;
  return {
    messagesPerSec: elapsedMs > 0 ? accepted / (elapsedMs / 1000) : 0,
    elapsedMs: Math.round(elapsedMs),
    sent,
    accepted,
    delivered,
    problems: session.problems - problemsBefore,
    lastProblem: session.problems > problemsBefore ? session.lastProblem : undefined,
    drained,
  };
}

export async function requestReply(session, { senders, bodyBytes, ratePerSec, durationMs }) {
  const body = bodyOf(bodyBytes);
  const scheduled = new Map();
  const latencies = [];
  session.on({
    deliver(agent, frame) {
      if (frame.kind === "request") session.send(agent, { type: "reply", id: nextId(agent.index), inReplyTo: frame.id, body });
      else if (frame.kind === "reply") {
        const at = scheduled.get(frame.inReplyTo);
        if (at === undefined) return;
        scheduled.delete(frame.inReplyTo);
        latencies.push(performance.now() - at);
      }
    },
  });
  const problemsBefore = session.problems;
  const interval = 1000 / ratePerSec;
  const total = Math.round((durationMs / 1000) * ratePerSec);
  const t0 = performance.now();
  let next = 0;
  while (next < total) {
    const now = performance.now();
    // Send everything whose time has come; each keeps its own scheduled time.
    while (next < total && t0 + next * interval <= now) {
      const i = next % senders;
      const id = nextId(i);
      scheduled.set(id, t0 + next * interval);
      session.send(session.agents[i], {
        type: "request",
        id,
        to: session.agents[ringPeer(i, senders, session.agents.length)].id,
        body,
        timeoutMs: 30_000,
      });
      next += 1;
    }
    await sleep(Math.max(0, Math.min(1, t0 + next * interval - performance.now())));
  }
  await waitUntil(() => scheduled.size === 0, DRAIN_MS);
  return {
    ...percentiles(latencies),
    requests: total,
    completed: latencies.length,
    missing: scheduled.size,
    problems: session.problems - problemsBefore,
    lastProblem: session.problems > problemsBefore ? session.lastProblem : undefined,
  };
}

export async function broadcast(session, { bodyBytes, durationMs, window }) {
  const body = bodyOf(bodyBytes);
  const sender = session.agents[0];
  const t0 = performance.now();
  const end = t0 + durationMs;
  let sent = 0;
  let accepted = 0;
  let deliveries = 0;
  let lastDeliveryAt = t0;
  let sending = true;
  const sendOne = () => {
    session.send(sender, { type: "broadcast", id: nextId(0), body });
    sent += 1;
  };
  session.on({
    accepted() {
      accepted += 1;
      if (sending && performance.now() < end) sendOne();
    },
    deliver() {
      deliveries += 1;
      lastDeliveryAt = performance.now();
    },
  });
  const problemsBefore = session.problems;
  for (let k = 0; k < window; k++) sendOne();
  await sleep(durationMs);
  sending = false;
  const recipients = session.agents.length - 1;
  await waitUntil(() => deliveries >= accepted * recipients && accepted + (session.problems - problemsBefore) >= sent, DRAIN_MS);
  const seconds = (lastDeliveryAt - t0) / 1000;
  return {
    deliveriesPerSec: seconds > 0 ? deliveries / seconds : 0,
    broadcastsPerSec: seconds > 0 ? deliveries / recipients / seconds : 0,
    sent,
    accepted,
    deliveries,
    problems: session.problems - problemsBefore,
    lastProblem: session.problems > problemsBefore ? session.lastProblem : undefined,
  };
}

export function percentiles(values) {
  if (values.length === 0) return { p50: null, p95: null, p99: null, max: null };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const round = (v) => Math.round(v * 1000) / 1000;
  return { p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1]) };
}

export function median(values) {
  const v = values.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/**
 * Wake-up after hibernation: one message, then `idleMs` of silence (workerd evicts an idle
 * object after about 10 s; its hibernatable sockets stay open), then one more frame: the time to
 * its answer includes reconstructing the object. `lifeOf()` returns when the object was
 * constructed, so `evicted` says whether it really had been (c answers that in its probe frame).
 */
export async function wakeUp(session, { idleMs, lifeOf }) {
  const probeOnly = session.variant.kind === "echo";
  const ask = () =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const frame = probeOnly ? { type: "probe" } : { type: "send", id: nextId(0), to: session.agents[1].id, body: bodyOf(256) };
      const done = (answer) => resolve({ ms: performance.now() - t0, answer });
      if (probeOnly) session.agents[0].ws.once("message", (d) => done(JSON.parse(d.toString())));
      else session.on({ accepted: () => done(null), problem: (_a, f) => done(f) });
      session.send(session.agents[0], frame);
    });
  await ask();
  const before = probeOnly ? null : await lifeOf();
  await sleep(idleMs);
  const { ms, answer } = await ask();
  const evicted = probeOnly ? answer.fresh === true : (await lifeOf()) !== before;
  return { wakeMs: Math.round(ms * 1000) / 1000, idleMs, evicted };
}

/**
 * Rows per relayed message, from the object's own counters (`gapMs` > 0: low traffic, one message
 * every gapMs, each acked and audit-flushed on its own — the worst case for amortisation) (`stats()` for the relay, D1's
 * `meta.rows_written` for the naive relay): `messages` direct messages with acks, then wait for
 * the relay's audit flush (its alarm, ~2 s later) so the outbox deletes are counted too.
 */
export async function rowsPerMessage(session, { messages, statsOf, gapMs = 0 }) {
  const before = await statsOf();
  const body = bodyOf(256);
  let sent = 0;
  let accepted = 0;
  const sendOne = () => {
    sent += 1;
    session.send(session.agents[0], { type: "send", id: nextId(0), to: session.agents[1].id, body });
  };
  session.on({
    accepted() {
      accepted += 1;
      if (sent < messages) sendOne();
    },
  });
  if (gapMs === 0) {
    for (let k = 0; k < 16 && sent < messages; k++) sendOne();
  } else {
    // Low traffic: one message at a time, `gapMs` apart, so each one is acked and flushed on its own.
    session.on({});
    for (let k = 0; k < messages; k++) {
      const before = accepted;
      session.on({ accepted: () => (accepted += 1) });
      sent += 1;
      session.send(session.agents[0], { type: "send", id: nextId(0), to: session.agents[1].id, body });
      await waitUntil(() => accepted > before, 10_000);
      await sleep(gapMs);
    }
  }
  await waitUntil(() => accepted >= messages, 30_000);
  await sleep(200); // the last acks
  let after = await statsOf();
  const end = performance.now() + 10_000;
  while (
    after.stats?.auditFlushed !== undefined &&
    after.stats.auditFlushed - before.stats.auditFlushed < after.stats.messagesAccepted - before.stats.messagesAccepted &&
    performance.now() < end
  ) {
    await sleep(250);
    after = await statsOf();
  }
  if (!after.stats || !before.stats)
    return { gapMs, messages: accepted, rowsWrittenPerMessage: null, note: "the object has no stats() yet" };
  if (after.bornAt !== before.bornAt)
    return { gapMs, messages: accepted, rowsWrittenPerMessage: null, note: "the object restarted during the measurement" };
  const d = (k) => (after.stats[k] ?? 0) - (before.stats[k] ?? 0);
  const perMessage = (k) => Math.round((d(k) / d("messagesAccepted")) * 1000) / 1000;
  const alarms = after.stats.alarmsSet !== undefined ? { alarmsSet: d("alarmsSet"), alarmsSetPerMessage: perMessage("alarmsSet") } : {};
  return {
    gapMs,
    messages: d("messagesAccepted"),
    rowsWritten: d("rowsWritten"),
    rowsRead: d("rowsRead"),
    auditFlushed: d("auditFlushed"),
    rowsWrittenPerMessage: perMessage("rowsWritten"),
    rowsReadPerMessage: perMessage("rowsRead"),
    ...alarms,
  };
}

/**
 * Fills a relay's log with `messages` direct messages (agent 0 → agent 1, acked), as fast as the
 * relay takes them — the log the wake-up test then wakes against. Paced by the recipient's acks
 * as well as by `accepted`: a saturating sender's frames queue at the object ahead of the
 * recipient's acks (docs/cost.md), so an unpaced fill of 100,000 would meet the queue cap.
 */
export async function fillLog(session, messages) {
  const [sender, recipient] = session.agents;
  const body = bodyOf(256);
  const t0 = performance.now();
  let sent = 0;
  let accepted = 0;
  let inFlight = 0;
  const problemsBefore = session.problems;
  let pausedUntil = 0;
  await new Promise((resolve) => {
    const pump = () => {
      if (performance.now() < pausedUntil) return;
      while (accepted + inFlight < messages && inFlight < 128 && accepted + inFlight - recipient.acked < 2048) {
        inFlight += 1;
        sent += 1;
        session.send(sender, { type: "send", id: nextId(0), to: recipient.id, body });
      }
    };
    // Acks arrive on a timer (session.mjs): re-check every 25 ms whether the pacing allows more, and whether it is done.
    const timer = setInterval(() => (accepted >= messages ? (clearInterval(timer), resolve()) : pump()), 25);
    session.on({
      accepted() {
        accepted += 1;
        inFlight -= 1;
        pump();
      },
      // queue_full: the relay has not seen the recipient's acks yet (they queue behind the sender's
      // frames). Back off a little; the message is sent again under a new id.
      problem() {
        inFlight -= 1;
        pausedUntil = performance.now() + 50;
      },
    });
    pump();
  });
  return { accepted, elapsedMs: Math.round(performance.now() - t0), problems: session.problems - problemsBefore };
}

/**
 * An offline recipient's backlog, at the product's limits: one sender sends to an agent that is
 * not connected until the relay answers `queue_full` (the cap, documented as 10,000), then the
 * recipient connects and acks as a client does (every 64 deliveries or 25 ms). Reports how many
 * were accepted before `queue_full`, the refusal itself, the replay's time, whether it came in seq
 * order once each, and the most deliver frames the client ever held unacknowledged — the relay
 * sends the next page only when acks release it, so this stays within two pages.
 */
export async function backlog(variant, { senderIndex = 0, recipientIndex = 1 } = {}) {
  const open = async (index, onFrame) => {
    const { url, headers } = await variant.connection(index, "backlog");
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    await new Promise(
      (resolve, reject) => (
        ws.once("open", resolve),
        ws.once("error", reject),
        ws.once("unexpected-response", (_q, r) => reject(new Error(`upgrade refused ${r.statusCode}`)))
      ),
    );
    ws.on("message", (d) => {
      const text = d.toString();
      if (text !== "pong") onFrame(JSON.parse(text));
    });
    ws.send(JSON.stringify({ type: "hello", v: 1 }));
    return ws;
  };
  // 1. Fill until queue_full, with a window of 128 in flight.
  let accepted = 0;
  let refusal = null;
  let inFlight = 0;
  let n = 0;
  let sender;
  const filled = new Promise((resolve) => {
    const pump = () => {
      while (!refusal && inFlight < 128) {
        inFlight += 1;
        sender.send(JSON.stringify({ type: "send", id: `bk-${RUN_ID}-${++n}`, to: variant.agentId(recipientIndex), body: bodyOf(256) }));
      }
      if (refusal && inFlight === 0) resolve();
    };
    open(senderIndex, (frame) => {
      if (frame.type === "welcome") return pump();
      if (frame.type === "accepted") accepted += 1;
      else if (frame.type === "denied" || frame.type === "error") refusal ??= frame;
      else return;
      inFlight -= 1;
      pump();
    }).then((ws) => (sender = ws));
  });
  await filled;
  sender.close();

  let framesBeforeFirstAck = null;
  // 2. The recipient comes back, and first acks nothing: the relay must stop after its window
  //    (two pages). Then it acks as a client does, to the end.
  const t0 = performance.now();
  const seqs = [];
  let ackedCount = 0;
  let maxUnacked = 0;
  let head = null;
  let acking = false;
  let lastFrameAt = performance.now();
  let recipient;
  await new Promise((resolve) => {
    const flush = () => {
      if (acking && seqs.length > ackedCount) {
        ackedCount = seqs.length;
        recipient.send(JSON.stringify({ type: "ack", seq: seqs[seqs.length - 1] }));
      }
    };
    const timer = setInterval(flush, 25);
    const done = () => (clearInterval(timer), clearInterval(stall), flush(), resolve());
    const stall = setInterval(() => {
      if (!acking && seqs.length > 0 && performance.now() - lastFrameAt > 300) {
        framesBeforeFirstAck = seqs.length;
        acking = true;
        flush();
      }
    }, 50);
    open(recipientIndex, (frame) => {
      if (frame.type === "welcome") head = frame.head;
      if (frame.type !== "deliver") return;
      lastFrameAt = performance.now();
      seqs.push(frame.seq);
      maxUnacked = Math.max(maxUnacked, seqs.length - ackedCount);
      if (seqs.length - ackedCount >= 64) flush();
      if (seqs.length >= accepted) done();
    }).then((ws) => (recipient = ws));
    setTimeout(done, 180_000);
  });
  const replayMs = performance.now() - t0; // includes the deliberate no-ack pause (≥ 300 ms)
  recipient.close();
  const inOrder = seqs.every((s, i) => i === 0 || s > seqs[i - 1]);
  return {
    accepted,
    refusal: refusal && { type: refusal.type, code: refusal.code, reason: refusal.reason ?? refusal.message },
    replayed: seqs.length,
    replayMs: Math.round(replayMs),
    inOrderOnce: inOrder && new Set(seqs).size === seqs.length,
    framesBeforeFirstAck,
    maxUnackedFrames: maxUnacked,
    headAtWelcome: head,
  };
}

const RUN_ID = Date.now().toString(36);
