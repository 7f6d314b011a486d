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
      session.send(session.agents[i], { type: "request", id, to: session.agents[ringPeer(i, senders, session.agents.length)].id, body, timeoutMs: 30_000 });
      next += 1;
    }
    await sleep(Math.max(0, Math.min(1, t0 + next * interval - performance.now())));
  }
  await waitUntil(() => scheduled.size === 0, DRAIN_MS);
  return { ...percentiles(latencies), requests: total, completed: latencies.length, missing: scheduled.size, problems: session.problems - problemsBefore, lastProblem: session.problems > problemsBefore ? session.lastProblem : undefined };
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
  while (after.stats?.auditFlushed !== undefined && after.stats.auditFlushed - before.stats.auditFlushed < after.stats.messagesAccepted - before.stats.messagesAccepted && performance.now() < end) {
    await sleep(250);
    after = await statsOf();
  }
  if (!after.stats || !before.stats) return { gapMs, messages: accepted, rowsWrittenPerMessage: null, note: "the object has no stats() yet" };
  if (after.bornAt !== before.bornAt) return { gapMs, messages: accepted, rowsWrittenPerMessage: null, note: "the object restarted during the measurement" };
  const d = (k) => (after.stats[k] ?? 0) - (before.stats[k] ?? 0);
  const perMessage = (k) => Math.round((d(k) / d("messagesAccepted")) * 1000) / 1000;
  return { gapMs, messages: d("messagesAccepted"), rowsWritten: d("rowsWritten"), rowsRead: d("rowsRead"), auditFlushed: d("auditFlushed"), rowsWrittenPerMessage: perMessage("rowsWritten"), rowsReadPerMessage: perMessage("rowsRead") };
}
