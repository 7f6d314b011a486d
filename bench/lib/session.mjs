/**
 * A set of connected agents on one variant, and the translation of what each variant sends back
 * into the same events for the scenarios:
 *   accepted(agent, id)   the sender learns its message is taken (relay: `accepted`, i.e. stored;
 *                         echo variants: the frame came back)
 *   deliver(agent, frame) a message arrived for this agent (`deliver`; for the echo variants the
 *                         hop is emulated: a request's echo counts as its delivery to `to`)
 *   problem(agent, frame) `error` / `denied` frames, counted and reported
 * Relay-like variants (d, e) get cumulative acks (every ACK_EVERY deliveries or ACK_FLUSH_MS),
 * as a real client would send them: the relay's per-recipient queue cap needs them.
 */
import WebSocket from "ws";

const ACK_EVERY = 64;
const ACK_FLUSH_MS = 25;
const CONNECT_TIMEOUT_MS = 15_000;

const RUN = Date.now().toString(36);
let idCounter = 0;
/**
 * A fresh frame id `<agent index>.<run>-<n>`: unique for the whole run (the relay treats a reused
 * id as a retry and answers it without storing anything), and an echoed frame names its sender.
 */
export const nextId = (agentIndex) => `${agentIndex}.${RUN}-${++idCounter}`;
const senderOf = (id) => Number(String(id).split(".")[0]);

export class Session {
  /**
   * @param {object} variant see variants.mjs
   * @param {number} count agents to connect (indexes 0..count-1)
   * @param {string} room the echo/naive object name (relay variants: the team's relay)
   */
  constructor(variant, count, room) {
    this.variant = variant;
    this.count = count;
    this.room = room;
    this.agents = [];
    this.handlers = { accepted() {}, deliver() {}, problem() {} };
    this.problems = 0;
    this.lastProblem = null;
    this.ackTimer = null;
  }

  on(handlers) {
    this.handlers = { accepted() {}, deliver() {}, problem() {}, ...handlers };
  }

  async open() {
    const relayLike = this.variant.kind === "relay";
    for (let i = 0; i < this.count; i++) this.agents.push(await this.connect(i));
    if (relayLike) this.ackTimer = setInterval(() => this.agents.forEach((a) => this.flushAck(a)), ACK_FLUSH_MS);
  }

  async connect(index) {
    const { url, headers } = await this.variant.connection(index, this.room);
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    const agent = { index, id: this.variant.agentId(index), ws, head: 0, maxSeq: 0, acked: 0, unacked: 0 };
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.variant.key}: agent ${index} did not get welcome`)), CONNECT_TIMEOUT_MS);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`${this.variant.key}: upgrade refused ${res.statusCode}`)));
      ws.once("error", reject);
      ws.once("open", () => ws.send(JSON.stringify({ type: "hello", v: 1 })));
      const onWelcome = (data) => {
        const frame = JSON.parse(data.toString());
        if (frame.type !== "welcome" && frame.type !== "hello") return;
        ws.off("message", onWelcome);
        clearTimeout(timer);
        agent.head = frame.head ?? 0;
        ws.on("message", (d) => this.dispatch(agent, d));
        resolve();
      };
      ws.on("message", onWelcome);
    });
    return agent;
  }

  send(agent, frame) {
    agent.ws.send(JSON.stringify(frame));
  }

  dispatch(agent, data) {
    const text = data.toString();
    if (text === "pong") return;
    const frame = JSON.parse(text);
    const h = this.handlers;
    if (this.variant.kind === "echo") return this.dispatchEcho(agent, frame);
    switch (frame.type) {
      case "accepted":
        return h.accepted(agent, frame.id, frame.seq);
      case "deliver":
        if (frame.seq > agent.maxSeq) agent.maxSeq = frame.seq;
        agent.unacked += 1;
        if (agent.unacked >= ACK_EVERY) this.flushAck(agent);
        // Replays of earlier scenarios' leftovers (seq ≤ head at welcome) are acked, not counted.
        if (frame.seq <= agent.head) return;
        return h.deliver(agent, frame);
      case "error":
      case "denied":
        this.problems += 1;
        this.lastProblem = frame;
        return h.problem(agent, frame);
      default:
        return; // presence, welcome, timeout…
    }
  }

  /** Echo variants return the client's own frame: turn it into the relay's events. */
  dispatchEcho(agent, frame) {
    const h = this.handlers;
    const sender = senderOf(frame.id);
    switch (frame.type) {
      case "send":
        return h.accepted(agent, frame.id);
      case "broadcast":
        if (agent.index === sender) return h.accepted(agent, frame.id);
        return h.deliver(agent, { type: "deliver", kind: "broadcast", id: frame.id, from: String(sender) });
      case "request": {
        h.accepted(agent, frame.id);
        const to = this.agents.find((a) => a.id === frame.to);
        return to && h.deliver(to, { type: "deliver", kind: "request", id: frame.id, from: agent.id });
      }
      case "reply":
        h.accepted(agent, frame.id);
        return h.deliver(this.agents[senderOf(frame.inReplyTo)], {
          type: "deliver",
          kind: "reply",
          id: frame.id,
          inReplyTo: frame.inReplyTo,
        });
      default:
        return;
    }
  }

  flushAck(agent) {
    if (agent.maxSeq > agent.acked && agent.ws.readyState === WebSocket.OPEN) {
      this.send(agent, { type: "ack", seq: agent.maxSeq });
      agent.acked = agent.maxSeq;
      agent.unacked = 0;
    }
  }

  async close() {
    clearInterval(this.ackTimer);
    this.agents.forEach((a) => this.flushAck(a));
    await Promise.all(
      this.agents.map(
        (a) =>
          new Promise((resolve) => {
            if (a.ws.readyState === WebSocket.CLOSED) return resolve();
            const timer = setTimeout(() => (a.ws.terminate(), resolve()), 3000);
            a.ws.once("close", () => (clearTimeout(timer), resolve()));
            a.ws.close(1000);
          }),
      ),
    );
  }
}
