/**
 * Where a verdict takes effect — the only place the frame path writes: persist (one synchronous
 * write per decision, committed before anything is answered: the Durable Object output gate holds
 * the answers until it is stored), update the in-memory state, answer the sender, deliver to the
 * recipients' live sockets and to observers, stage audit events, count, and ask for the alarm.
 * The decision itself was made by judge.ts, which writes nothing.
 */
import type { ErrorCode } from "../../workers/shared/errors/catalogue";
import { CLOSE_CODES, PROTOCOL_VERSION, type ClientFrame } from "../../workers/shared/relay/protocol";
import { bodyDigest, stageAudit } from "./audit-staging";
import { sendText, type AgentAttachment } from "./connections";
import { deliverText, insertMessage, type NewMessage } from "./delivery";
import type { Outgoing, Verdict } from "./judge";
import { disconnect } from "./presence";
import type { RelayCore } from "./relay-core";
import { onReplayAck, startReplay } from "./replay";
import { heldExpiresAt, openRelayApproval, releaseHeld, type HeldFrameType } from "./held";
import { newId } from "../../workers/shared/crypto/ids";
import { log } from "../../workers/shared/observability/log";

type MessageFrame = Extract<ClientFrame, { type: "send" | "broadcast" | "request" | "reply" | "publish" }>;

/**
 * The answer channel of a call that is not on a WebSocket (agent-rpc.ts: the MCP tools): it takes
 * the frames the socket would have been sent — `accepted`, `denied`, `error` — so an RPC goes
 * through exactly the effects a frame does and reads its answer from here.
 */
export class RpcAnswer {
  readonly frames: Record<string, unknown>[] = [];
  send(text: string): void {
    this.frames.push(JSON.parse(text) as Record<string, unknown>);
  }
  get last(): Record<string, unknown> | null {
    return this.frames[this.frames.length - 1] ?? null;
  }
}

/** Where the sender's answer goes: its socket, or an RPC's answer. */
export type Channel = WebSocket | RpcAnswer;

export function applyVerdict(core: RelayCore, ws: Channel, sender: AgentAttachment, frame: ClientFrame, verdict: Verdict): void {
  const id = "id" in frame ? frame.id : null;
  switch (verdict.verdict) {
    case "close":
      if (verdict.message) sendError(ws, id, "invalid_frame", verdict.message);
      if (ws instanceof RpcAnswer)
        return sendError(ws, id, verdict.code === CLOSE_CODES.suspended.code ? "agent_suspended" : "unauthenticated", verdict.reason);
      return disconnect(core, ws, verdict.code, verdict.reason);
    case "error":
      if (verdict.rateLimited) rateRefused(core, sender, frame, verdict.rateLimited);
      return sendError(ws, id, verdict.code, verdict.message);
    case "deny":
      return deny(core, ws, sender, frame, verdict);
    case "accept":
      switch (verdict.action) {
        case "hello":
          if (ws instanceof RpcAnswer) return; // an RPC has no connection to open
          if (verdict.ackTo !== null) acked(core, ws, sender, verdict.ackTo);
          sendText(
            ws,
            JSON.stringify({
              type: "welcome",
              v: PROTOCOL_VERSION,
              agentId: sender.agentId,
              teamId: core.teamId,
              resumeFrom: verdict.replayFrom,
              head: core.head,
            }),
          );
          return startReplay(core, ws, core.connections.attachment(ws) as AgentAttachment, verdict.replayFrom);
        case "ack":
          acked(core, ws, sender, verdict.seq);
          if (ws instanceof RpcAnswer) return;
          return onReplayAck(core, ws, core.connections.attachment(ws) as AgentAttachment, verdict.seq);
        case "duplicate":
          return sendAccepted(ws, id!, verdict.seq);
        case "subscribe":
          return subscribe(core, ws, sender, id!, verdict.topic);
        case "unsubscribe":
          core.subscriptions.remove(verdict.topic, sender.agentId);
          return sendAccepted(ws, id!, core.head);
        case "message":
          return storeMessage(core, ws, sender, frame as MessageFrame, verdict.message);
        case "hold":
          return hold(core, ws, sender, frame as HeldFrameType, verdict);
        case "held":
          return sendHeld(ws, (frame as { id: string }).id, verdict.approvalId, "This message is already held for approval.", null);
        case "presence":
          return;
      }
  }
}

/** Stores an accepted message (one row for a direct one), answers `accepted`, delivers it. Also how a held message is released (held.ts). */
export function storeMessage(core: RelayCore, ws: Channel, sender: AgentAttachment, frame: MessageFrame, out: Outgoing): void {
  const now = core.now;
  const seq = core.head + 1;
  const message: NewMessage = {
    kind: out.kind,
    sender: sender.agentId,
    clientId: frame.id,
    body: JSON.stringify(frame.body),
    recipients: out.recipients,
    topic: out.topic,
    inReplyTo: out.inReplyTo,
    requestSeq: out.requestSeq,
    skipped: out.skipped,
    now,
    expiresAt: out.expiresAt,
  };
  if (out.kind === "direct") {
    // One statement commits atomically on its own; a transaction would only add its cost.
    insertMessage(core.sql, seq, message);
  } else {
    core.ctx.storage.transactionSync(() => {
      insertMessage(core.sql, seq, message);
      if (out.deadline !== undefined)
        core.requests.add({ seq, requester: sender.agentId, requestId: frame.id, responder: out.recipients[0]!, deadline: out.deadline });
      if (out.requestSeq !== undefined) core.requests.close(out.requestSeq);
    });
  }
  // Committed (or the exception above ended the frame with nothing changed): now the memory.
  core.head = seq;
  core.idempotency.add(sender.agentId, frame.id, seq);
  for (const r of out.recipients) core.queues.pushed(r, seq);
  core.expiresAt(out.expiresAt);
  core.rates.consume(sender.agentId, sender.trust, now);
  core.counters.messagesAccepted++;

  sendAccepted(ws, frame.id, seq);
  const stored = {
    seq,
    kind: out.kind,
    sender: sender.agentId,
    topic: out.topic ?? null,
    client_id: frame.id,
    in_reply_to: out.inReplyTo ?? null,
    request_seq: out.requestSeq ?? null,
    body: message.body,
  };
  // A requester waiting on an RPC (agent-rpc.ts) gets its reply as soon as it is stored.
  if (out.requestSeq !== undefined)
    core.replyWaiters.get(out.requestSeq)?.({
      ...stored,
      recipient: out.recipients[0] ?? null,
      created_at: now,
      expires_at: out.expiresAt,
      skipped: null,
    });
  const text = deliverText(stored);
  for (const r of out.recipients) {
    const sockets = core.connections.live(r);
    if (sockets) for (const socket of sockets) sendText(socket, text);
  }
  const observers = core.connections.observers();
  if (observers.size > 0) {
    const observed = deliverText(stored, out.recipients);
    for (const o of observers) sendText(o, observed);
  }
  core.wakeAt(Math.min(now + core.limits.auditFlushDelayMs, out.deadline ?? Infinity));
}

/**
 * A message held for a person (held.ts): a row in `held` (not the log), the `held` frame to the
 * sender, and the approval opened in the tenant's desk after the answer. If the desk cannot be
 * reached the message is released as refused at once, never left waiting for nothing.
 */
function hold(
  core: RelayCore,
  ws: Channel,
  sender: AgentAttachment,
  frame: HeldFrameType,
  verdict: Extract<Verdict, { action: "hold" }>,
): void {
  const now = core.now;
  const approvalId = newId("approval", now);
  core.governance.hold(
    {
      approval_id: approvalId,
      sender: sender.agentId,
      client_id: frame.id,
      recipient: verdict.message.recipients[0]!,
      trust: sender.trust,
      frame: JSON.stringify(frame),
    },
    now,
  );
  core.rates.consume(sender.agentId, sender.trust, now);
  const reason =
    verdict.kind === "supervised_message"
      ? verdict.trigger.detail
      : `The tenant's guardrail policy requires a person's approval for this message: ${verdict.trigger.detail}`;
  sendHeld(
    ws,
    frame.id,
    approvalId,
    reason,
    heldExpiresAt(verdict.kind, now),
    verdict.kind === "supervised_message" ? "supervised_pair" : "guardrail_approval",
  );
  core.ctx.waitUntil(
    openRelayApproval(core, { approvalId, sender: sender.agentId, frame, kind: verdict.kind, trigger: verdict.trigger }).catch((err) => {
      log.error("relay approval could not be opened", { teamId: core.teamId, approvalId, error: String(err) });
      releaseHeld(core, {
        teamId: core.teamId,
        approvalId,
        status: "expired",
        reason: "the approval could not be opened; send again",
        decidedBy: null,
      });
    }),
  );
}

function sendHeld(
  ws: Channel,
  id: string,
  approvalId: string,
  reason: string,
  expiresAt: number | null,
  code = "guardrail_approval",
): void {
  sendText(ws, JSON.stringify({ type: "held", id, approvalId, reason, code, ...(expiresAt !== null ? { expiresAt } : {}) }));
}

function deny(
  core: RelayCore,
  ws: Channel,
  sender: AgentAttachment,
  frame: ClientFrame,
  verdict: Extract<Verdict, { verdict: "deny" }>,
): void {
  const now = core.now;
  const id = (frame as { id: string }).id;
  if (verdict.consumesRate) core.rates.consume(sender.agentId, sender.trust, now);
  const digest = "body" in frame ? bodyDigest(frame.body) : {};
  stageAudit(core.sql, {
    tenantId: core.tenantId,
    teamId: core.teamId,
    agentId: sender.agentId,
    action: verdict.audit.action,
    outcome: "denied",
    target: verdict.audit.target,
    details: { clientId: id, code: verdict.code, reason: verdict.reason, ...verdict.audit.details, ...digest },
    at: now,
  });
  sendText(ws, JSON.stringify({ type: "denied", id, reason: verdict.reason, code: verdict.code }));
  const observers = core.connections.observers();
  if (observers.size > 0) {
    const text = JSON.stringify({
      type: "denied",
      id,
      reason: verdict.reason,
      code: verdict.code,
      from: sender.agentId,
      ...verdict.audit.observed,
      at: now,
    });
    for (const o of observers) sendText(o, text);
  }
  core.wakeAt(now + core.limits.auditFlushDelayMs);
}

function subscribe(core: RelayCore, ws: Channel, sender: AgentAttachment, id: string, topic: string): void {
  const now = core.now;
  core.ctx.storage.transactionSync(() => {
    core.subscriptions.add(topic, sender.agentId);
    stageAudit(core.sql, {
      tenantId: core.tenantId,
      teamId: core.teamId,
      agentId: sender.agentId,
      action: "relay.subscription_allowed",
      outcome: "success",
      target: { type: "topic", id: topic },
      details: { topic, clientId: id },
      at: now,
    });
  });
  sendAccepted(ws, id, core.head);
  core.wakeAt(now + core.limits.auditFlushDelayMs);
}

/** Only the first refusal of a spell is audited: a flooding agent must not turn its flood into audit writes. */
function rateRefused(
  core: RelayCore,
  sender: AgentAttachment,
  frame: ClientFrame,
  rate: { retryAfterMs: number; firstRefusal: boolean },
): void {
  core.rates.refused(sender.agentId, sender.trust, core.now);
  if (!rate.firstRefusal) return;
  stageAudit(core.sql, {
    tenantId: core.tenantId,
    teamId: core.teamId,
    agentId: sender.agentId,
    action: "relay.rate_limited",
    outcome: "denied",
    details: { clientId: (frame as { id?: string }).id ?? null, kind: frame.type, trust: sender.trust, retryAfterMs: rate.retryAfterMs },
    at: core.now,
  });
  core.wakeAt(core.now + core.limits.auditFlushDelayMs);
}

/** An ack (or a hello's `resumeFrom`): the cursor in memory, the queue, and a copy in the socket's attachment. */
function acked(core: RelayCore, ws: Channel, sender: AgentAttachment, seq: number): void {
  if (!core.cursors.ack(sender.agentId, seq)) return;
  core.queues.acked(sender.agentId, seq);
  // An RPC agent has no connection whose close would persist its ack: the row is written now
  // (one row per MCP ack, which is already a whole request).
  if (ws instanceof RpcAnswer) {
    core.cursors.persist(core.now);
    return;
  }
  const att = core.connections.attachment(ws);
  if (att?.kind === "agent") core.connections.set(ws, { ...att, acked: seq });
}

function sendAccepted(ws: Channel, id: string, seq: number): void {
  sendText(ws, `{"type":"accepted","id":${JSON.stringify(id)},"seq":${seq}}`);
}

export function sendError(ws: Channel, id: string | null, code: ErrorCode, message: string): void {
  sendText(ws, JSON.stringify({ type: "error", id, code, message }));
}
