/**
 * Protocol v1, relay side: one handler per client frame. Decisions (allowlist, trust, rate,
 * queue cap) come first; then one synchronous transaction allocates the seq and stores the
 * message (and its recipients, pending request) — the stored message is also its audit record,
 * flushed later by the alarm; only then is `accepted` sent and the message delivered. Denials
 * have no message row, so their audit event is staged in the outbox. Contract: docs/protocol.md.
 */
import { CLOCK_SKEW_SECONDS } from "../../workers/shared/agent-identity/claims";
import { AGENT_CLOSE_CODES } from "../../workers/shared/agent-identity/errors";
import type { Party } from "../../workers/shared/relay/allowlist";
import { DEFAULT_TTL_SECONDS, parseClientFrame, PROTOCOL_VERSION, CLOSE_CODES, type ClientFrame, type DeliveryKind, type ServerFrame } from "../../workers/shared/relay/protocol";
import type { ErrorCode } from "../../workers/shared/errors/catalogue";
import { stageAudit } from "./audit-staging";
import { readySockets, sendFrame, setAttachment, type AgentAttachment } from "./connections";
import { addPendingRequest, advanceCursor, cursorOf, deletePendingRequest, findBySenderId, findPendingForReply, insertMessage, pendingFor, queueLength, toDeliver } from "./delivery";
import { allMembers, getMember, type Member } from "./members";
import { announce, disconnect, sendPresenceSnapshot, toObservers } from "./presence";
import { trustLimits } from "./rate-limit";
import type { Relay } from "./relay-context";

type Frame<T extends ClientFrame["type"]> = Extract<ClientFrame, { type: T }>;
type MessageFrame = Frame<"send" | "broadcast" | "request" | "reply" | "publish">;

const REPLAY_PAGE = 500;

export interface FrameHooks {
  /** Looks a member up, refreshing the relay's member list from D1 if the agent is unknown. */
  member(agentId: string): Promise<Member | null>;
}

export async function handleAgentFrame(r: Relay, hooks: FrameHooks, ws: WebSocket, att: AgentAttachment, data: string | ArrayBuffer): Promise<void> {
  if (Date.now() / 1000 > att.exp + CLOCK_SKEW_SECONDS) {
    // The token the connection was opened with has expired: reconnect with a fresh one (and resume).
    return disconnect(r, ws, AGENT_CLOSE_CODES.unauthenticated.code, AGENT_CLOSE_CODES.unauthenticated.reason);
  }
  const parsed = parseClientFrame(data);
  if (!parsed.ok) return sendFrame(ws, { type: "error", id: parsed.id, code: parsed.code, message: parsed.message });
  const frame = parsed.frame;
  if (frame.type === "hello") return hello(r, ws, att, frame);
  if (!att.ready) return error(ws, "id" in frame ? frame.id : null, "invalid_frame", "Send hello first.");
  switch (frame.type) {
    case "ack":
      advanceCursor(r.sql, att.agentId, Math.min(frame.seq, r.head));
      r.cache.acked(att.agentId);
      return;
    case "subscribe":
      return subscribe(r, ws, att, frame);
    case "unsubscribe":
      r.sql.exec("DELETE FROM subscriptions WHERE topic = ? AND agent_id = ?", frame.topic, att.agentId);
      return sendFrame(ws, { type: "accepted", id: frame.id, seq: r.head });
    default:
      return message(r, hooks, ws, att, frame);
  }
}

function hello(r: Relay, ws: WebSocket, att: AgentAttachment, frame: Frame<"hello">): void {
  if (frame.v !== PROTOCOL_VERSION) {
    error(ws, null, "invalid_frame", `This relay speaks protocol v${PROTOCOL_VERSION}; the client asked for v${frame.v}.`);
    return disconnect(r, ws, CLOSE_CODES.protocolVersion.code, CLOSE_CODES.protocolVersion.reason);
  }
  if (att.ready) return error(ws, null, "invalid_frame", "hello was already sent on this connection.");
  const now = Date.now();
  let from = cursorOf(r.sql, att.agentId);
  // resumeFrom beyond the cursor: the client processed more than it acked — treat it as an ack.
  if (frame.resumeFrom !== undefined && frame.resumeFrom > from) {
    from = advanceCursor(r.sql, att.agentId, Math.min(frame.resumeFrom, r.head));
    r.cache.acked(att.agentId);
  }
  sendFrame(ws, { type: "welcome", v: PROTOCOL_VERSION, agentId: att.agentId, teamId: r.teamId, resumeFrom: from, head: r.head });
  // Synchronous from here to `ready`: no live delivery can slip in between replayed ones.
  for (let after = from; ; ) {
    const page = pendingFor(r.sql, att.agentId, after, now, REPLAY_PAGE);
    for (const m of page) sendFrame(ws, toDeliver(m));
    if (page.length < REPLAY_PAGE) break;
    after = page[page.length - 1]!.seq;
  }
  const first = readySockets(r.state, att.agentId, ws).length === 0;
  setAttachment(ws, { ...att, ready: true });
  if (first) announce(r, att, "joined");
  sendPresenceSnapshot(r, ws, att);
}

function subscribe(r: Relay, ws: WebSocket, att: AgentAttachment, frame: Frame<"subscribe">): void {
  const now = Date.now();
  const party = partyOf(att);
  if (!r.allowlist.mayTopic(party, frame.topic, "subscribe")) {
    return deny(r, ws, att, frame.id, "not_allowed", `The allowlist does not let this agent subscribe to ${frame.topic}.`, "relay.subscription_denied", { topic: frame.topic }, { type: "topic", id: frame.topic });
  }
  r.state.storage.transactionSync(() => {
    r.sql.exec("INSERT OR IGNORE INTO subscriptions (topic, agent_id) VALUES (?, ?)", frame.topic, att.agentId);
    stageAudit(r.sql, { tenantId: r.tenantId, teamId: r.teamId, agentId: att.agentId, action: "relay.subscription_allowed", outcome: "success", target: { type: "topic", id: frame.topic }, details: { topic: frame.topic, clientId: frame.id }, at: now });
  });
  sendFrame(ws, { type: "accepted", id: frame.id, seq: r.head });
  void r.wakeAt(now + r.limits.auditFlushDelayMs);
}

async function message(r: Relay, hooks: FrameHooks, ws: WebSocket, att: AgentAttachment, frame: MessageFrame): Promise<void> {
  const now = Date.now();
  // Idempotency first: a client id this sender already used gets the original answer and nothing
  // else — also when its rate bucket is empty, since a retry after a reconnect is not new traffic.
  // The in-memory hash set answers "new" without SQL; only a possible repeat costs a scan.
  const existing = r.cache.mightContain(att.agentId, frame.id) ? findBySenderId(r.sql, att.agentId, frame.id) : null;
  if (existing) return sendFrame(ws, { type: "accepted", id: frame.id, seq: existing.seq });
  const rate = r.rates.take(att.agentId, att.trust, now);
  if (!rate.ok) {
    if (rate.firstRefusal) {
      stageAudit(r.sql, { tenantId: r.tenantId, teamId: r.teamId, agentId: att.agentId, action: "relay.rate_limited", outcome: "denied", details: { clientId: frame.id, kind: frame.type, trust: att.trust, retryAfterMs: rate.retryAfterMs }, at: now });
      await r.wakeAt(now + r.limits.auditFlushDelayMs);
    }
    const { messagesPerMinute } = trustLimits(att.trust);
    return error(ws, frame.id, "rate_limited", `Trust level ${att.trust} allows ${messagesPerMinute} messages per minute; retry in ${Math.ceil(rate.retryAfterMs / 1000)} s.`);
  }

  const sender = partyOf(att);
  const kind: DeliveryKind = frame.type === "send" ? "direct" : frame.type === "publish" ? "topic" : frame.type;
  const denied = (code: ErrorCode, reason: string, details: Record<string, unknown> = {}) =>
    deny(r, ws, att, frame.id, code, reason, "relay.message_denied", { kind, ...details, ...targetDetails(frame) }, auditTarget(r, frame));

  let recipients: string[];
  let skipped: string[] = [];
  switch (frame.type) {
    case "send":
    case "request": {
      const to = frame.to === att.agentId ? null : await hooks.member(frame.to);
      if (!to) return denied("not_found", `No agent ${frame.to} in this team.`);
      if (!r.allowlist.allows(sender, to)) return denied("not_allowed", `The allowlist has no edge from ${att.agentId} (${att.role}) to ${to.agentId} (${to.role}).`);
      if (queued(r, to.agentId, now) >= r.limits.queueCap) return denied("queue_full", `${to.agentId} has ${r.limits.queueCap} unacknowledged messages; retry later.`);
      recipients = [to.agentId];
      break;
    }
    case "reply": {
      const pending = findPendingForReply(r.sql, att.agentId, frame.inReplyTo, now);
      if (!pending) return denied("request_timeout", `No pending request ${frame.inReplyTo} to this agent: it timed out, was answered, or never existed.`, { inReplyTo: frame.inReplyTo });
      recipients = [pending.requester];
      break;
    }
    case "broadcast": {
      if (!trustLimits(att.trust).mayBroadcast) return denied("not_allowed", `Trust level ${att.trust} may not broadcast.`);
      const allowed = allMembers(r.sql).filter((m) => m.agentId !== att.agentId && r.allowlist.allows(sender, m));
      ({ recipients, skipped } = splitByQueue(r, allowed, now));
      if (recipients.length === 0) return denied(allowed.length === 0 ? "not_allowed" : "queue_full", allowed.length === 0 ? "The allowlist lets this agent reach no one in the team." : "Every allowed recipient's queue is full.");
      break;
    }
    case "publish": {
      if (!r.allowlist.mayTopic(sender, frame.topic, "publish")) return denied("not_allowed", `The allowlist does not let this agent publish to ${frame.topic}.`);
      const subscribers = r.sql
        .exec<{ agent_id: string }>("SELECT agent_id FROM subscriptions WHERE topic = ? AND agent_id <> ?", frame.topic, att.agentId)
        .toArray()
        .map((s) => getMember(r.sql, s.agent_id))
        // Re-checked at publish time: a rule removed after the subscription stops delivery at once.
        .filter((m): m is Member => m !== null && r.allowlist.mayTopic(m, frame.topic, "subscribe"));
      ({ recipients, skipped } = splitByQueue(r, subscribers, now));
      break;
    }
  }

  const bodyJson = JSON.stringify(frame.body);
  const ttlSeconds = "ttlSeconds" in frame && frame.ttlSeconds !== undefined ? frame.ttlSeconds : DEFAULT_TTL_SECONDS;
  const topic = frame.type === "publish" ? frame.topic : undefined;
  const inReplyTo = frame.type === "reply" ? frame.inReplyTo : undefined;
  const expiresAt = now + ttlSeconds * 1000;
  // One row for a direct message: its audit event is derived from it at flush time (audit-staging.ts).
  const seq = r.state.storage.transactionSync(() => {
    const seq = r.head + 1;
    insertMessage(r.sql, seq, { kind, sender: att.agentId, clientId: frame.id, body: bodyJson, recipients, topic, inReplyTo, skipped, now, expiresAt });
    if (frame.type === "request") addPendingRequest(r.sql, { requester: att.agentId, request_id: frame.id, responder: recipients[0]!, seq, deadline: now + frame.timeoutMs });
    if (frame.type === "reply") deletePendingRequest(r.sql, recipients[0]!, frame.inReplyTo);
    return seq;
  });
  r.head = seq;
  r.cache.accepted(att.agentId, frame.id, recipients, expiresAt);
  r.counters.messagesAccepted++;

  sendFrame(ws, { type: "accepted", id: frame.id, seq });
  const deliver = toDeliver({ seq, kind, sender: att.agentId, topic: topic ?? null, client_id: frame.id, in_reply_to: inReplyTo ?? null, body: bodyJson });
  for (const recipient of recipients) for (const socket of readySockets(r.state, recipient)) sendFrame(socket, deliver);
  toObservers(r, { ...deliver, to: recipients });
  await r.wakeAt(Math.min(now + r.limits.auditFlushDelayMs, frame.type === "request" ? now + frame.timeoutMs : Infinity));
}

function splitByQueue(r: Relay, candidates: Member[], now: number): { recipients: string[]; skipped: string[] } {
  const recipients: string[] = [];
  const skipped: string[] = [];
  for (const m of candidates) (queued(r, m.agentId, now) >= r.limits.queueCap ? skipped : recipients).push(m.agentId);
  return { recipients, skipped };
}

function queued(r: Relay, agentId: string, now: number): number {
  return r.cache.queueLength(agentId, () => queueLength(r.sql, agentId, now));
}

function deny(r: Relay, ws: WebSocket, att: AgentAttachment, id: string, code: ErrorCode, reason: string, action: string, details: Record<string, unknown>, target: { type: string; id: string }): void {
  const now = Date.now();
  stageAudit(r.sql, { tenantId: r.tenantId, teamId: r.teamId, agentId: att.agentId, action, outcome: "denied", target, details: { clientId: id, code, reason, ...details }, at: now });
  sendFrame(ws, { type: "denied", id, reason, code });
  toObservers(r, { type: "denied", id, reason, code, from: att.agentId, ...observedTarget(details), at: now });
  void r.wakeAt(now + r.limits.auditFlushDelayMs);
}

/** What an observer is told about a refused frame: its kind and target (never its body). */
function observedTarget(details: Record<string, unknown>): { kind?: DeliveryKind; to?: string[]; topic?: string } {
  const { kind, recipient, topic } = details;
  return {
    ...(typeof kind === "string" ? { kind: kind as DeliveryKind } : {}),
    ...(typeof recipient === "string" ? { to: [recipient] } : {}),
    ...(typeof topic === "string" ? { topic } : {}),
  };
}

function targetDetails(frame: MessageFrame): Record<string, unknown> {
  if (frame.type === "send" || frame.type === "request") return { recipient: frame.to };
  if (frame.type === "publish") return { topic: frame.topic };
  if (frame.type === "reply") return { inReplyTo: frame.inReplyTo };
  return {};
}

function auditTarget(r: Relay, frame: MessageFrame): { type: string; id: string } {
  if (frame.type === "send" || frame.type === "request") return { type: "agent", id: frame.to };
  if (frame.type === "publish") return { type: "topic", id: frame.topic };
  return { type: "team", id: r.teamId };
}

function partyOf(att: AgentAttachment): Party {
  return { agentId: att.agentId, role: att.role };
}

function error(ws: WebSocket, id: string | null, code: ErrorCode, message: string): void {
  sendFrame(ws, { type: "error", id, code, message } satisfies ServerFrame);
}
