/**
 * The relay's one decision: `judge(frame, sender, view) → Verdict`. Pure — it reads the relay's
 * state through a read-only view and changes nothing — so every rule (the token's expiry, a
 * suspension, hello first, idempotency, the message rate, the allowlist, the trust level, queue
 * caps, reply binding, topic rules, presence visibility) is decided here, in one place, and is
 * testable without a socket (judge.test.ts). What a verdict *does* — persist, deliver, audit,
 * count — is applied in one place after it (effects.ts), the way workers-oauth-provider keeps its
 * validators pure and maps a tagged result to the wire.
 *
 * Verdicts: `accept` (with what to do: a message and its recipients, a hello's replay start, an
 * ack, a subscription change, a presence audience, or "already stored" for a retried id), `deny`
 * (a policy refused it: code, reason, what to audit), `error` (the frame cannot be processed),
 * `close` (the connection must end: token expired, agent suspended, unsupported version).
 */
import { CLOCK_SKEW_SECONDS } from "../../workers/shared/agent-identity/claims";
import type { CompiledAllowlist, Party } from "../../workers/shared/relay/allowlist";
import type { ErrorCode } from "../../workers/shared/errors/catalogue";
import {
  CLOSE_CODES,
  DEFAULT_TTL_SECONDS,
  PROTOCOL_VERSION,
  requestSeqOf,
  type ClientFrame,
  type DeliveryKind,
} from "../../workers/shared/relay/protocol";
import { trustLimits, type TrustLevel } from "../../workers/shared/trust-levels";
import type { Member } from "./members";
import { checkGuardrails } from "../../workers/shared/guardrails/index";
import type { GuardrailPolicy } from "../../workers/shared/guardrails/policy";
import type { ApprovalTrigger } from "../../workers/shared/schemas/approvals";

/** Who sent the frame: the connection's identity (its attachment). */
export interface Sender extends Party {
  trust: TrustLevel;
  /** The connect token's `exp` (seconds). */
  exp: number;
  /** `hello` was sent on this connection. */
  ready: boolean;
}

export interface OpenRequest {
  seq: number;
  requester: string;
  /** The requester's client id for it (what its `accepted` echoed, and the reply's deliver `inReplyTo`). */
  requestId: string;
  responder: string;
  deadline: number;
}

export type RateCheck = { ok: true } | { ok: false; retryAfterMs: number; firstRefusal: boolean };

/** What judge may read. Implemented by the relay over its in-memory state (relay-core.ts) and by plain objects in tests. */
export interface RelayView {
  readonly now: number;
  /** The latest seq. */
  readonly head: number;
  readonly allowlist: CompiledAllowlist;
  readonly queueCap: number;
  member(agentId: string): Member | null;
  members(): Iterable<Member>;
  /** Unacknowledged messages waiting for the agent. */
  queued(agentId: string): number;
  subscribers(topic: string): Iterable<string>;
  openRequest(seq: number): OpenRequest | null;
  /** The seq of the stored message `sender` sent under `clientId` (idempotency), or null. */
  storedSeq(sender: string, clientId: string): number | null;
  /** Would the agent's rate bucket admit one more message now? (Consuming it is an effect.) */
  rate(agentId: string, trust: TrustLevel): RateCheck;
  /** The agent's acknowledged seq. */
  cursor(agentId: string): number;
  /** Agents with a live connection, each once. */
  online(): Iterable<Party>;
  /** Governance (held.ts, docs/governance.md#approvals); absent in views that predate it: nothing is checked or held. */
  readonly guardrails?: GuardrailPolicy;
  /** Every direct message between these two agents waits for a person. */
  supervised?(a: string, b: string): boolean;
  /** The approval a message this sender sent under `clientId` is held for, or null. */
  heldApproval?(sender: string, clientId: string): string | null;
}

/** A message to store and deliver. */
export interface Outgoing {
  kind: DeliveryKind;
  recipients: string[];
  /** Broadcast/publish recipients left out because their queue is full (recorded in the audit event). */
  skipped: string[];
  topic?: string;
  /** Replies: the requester's client id for the request, and the request's seq. */
  inReplyTo?: string;
  requestSeq?: number;
  expiresAt: number;
  /** Requests: when the requester gets `timeout`. */
  deadline?: number;
}

/** What a refusal records in the audit trail (the effects add the body's hash and size). */
export interface DenialAudit {
  action: "relay.message_denied" | "relay.subscription_denied";
  /** Null: the team itself (broadcasts, replies). */
  target: { type: string; id: string } | null;
  details: Record<string, unknown>;
  /** What an observer is told: the kind and target of the refused frame (never its body). */
  observed: { kind?: DeliveryKind; to?: string[]; topic?: string };
}

export type Verdict =
  | { verdict: "accept"; action: "hello"; replayFrom: number; ackTo: number | null }
  | { verdict: "accept"; action: "ack"; seq: number }
  | { verdict: "accept"; action: "message"; message: Outgoing }
  | { verdict: "accept"; action: "duplicate"; seq: number }
  | { verdict: "accept"; action: "subscribe" | "unsubscribe"; topic: string }
  | { verdict: "accept"; action: "presence"; recipients: string[] }
  | { verdict: "accept"; action: "hold"; message: Outgoing; kind: "relay_request" | "supervised_message"; trigger: ApprovalTrigger }
  | { verdict: "accept"; action: "held"; approvalId: string }
  | { verdict: "deny"; code: ErrorCode; reason: string; audit: DenialAudit; consumesRate: boolean }
  | { verdict: "error"; code: ErrorCode; message: string; rateLimited?: { retryAfterMs: number; firstRefusal: boolean } }
  | { verdict: "close"; code: number; reason: string; message?: string };

/** Not frames an agent sends, but decisions of the same kind: who is told that an agent came or went, and what a newcomer is told. */
export type PresenceQuestion = { type: "presence"; status: "joined" | "left" } | { type: "presence-snapshot" };

type Frame<T extends ClientFrame["type"]> = Extract<ClientFrame, { type: T }>;
type MessageFrame = Frame<"send" | "broadcast" | "request" | "reply" | "publish">;

export function judge(frame: ClientFrame | PresenceQuestion, sender: Sender, view: RelayView): Verdict {
  if (frame.type === "presence") return { verdict: "accept", action: "presence", recipients: presenceAudience(sender, view) };
  if (frame.type === "presence-snapshot") return { verdict: "accept", action: "presence", recipients: presenceAudience(sender, view) };
  const gate = judgeConnection(sender, view);
  if (gate) return gate;
  if (frame.type === "hello") return hello(frame, sender, view);
  if (!sender.ready) return error("invalid_frame", "Send hello first.");
  switch (frame.type) {
    case "ack":
      return { verdict: "accept", action: "ack", seq: Math.min(frame.seq, view.head) };
    case "subscribe":
      // The trust level first (TRUST_LEVELS.topicsSubscribe), then the team's topic rules.
      return trustLimits(sender.trust).topicsSubscribe && view.allowlist.mayTopic(sender, frame.topic, "subscribe")
        ? { verdict: "accept", action: "subscribe", topic: frame.topic }
        : {
            verdict: "deny",
            code: "not_allowed",
            reason: `The allowlist does not let this agent subscribe to ${frame.topic}.`,
            audit: {
              action: "relay.subscription_denied",
              target: { type: "topic", id: frame.topic },
              details: { topic: frame.topic },
              observed: { topic: frame.topic },
            },
            consumesRate: false,
          };
    case "unsubscribe":
      return { verdict: "accept", action: "unsubscribe", topic: frame.topic };
    default:
      return message(frame, sender, view);
  }
}

/**
 * Checks that apply to every frame of a connection, readable or not: the connect token's expiry
 * and the agent's suspension. Null when the connection may go on.
 */
export function judgeConnection(sender: Sender, view: Pick<RelayView, "now" | "member">): Extract<Verdict, { verdict: "close" }> | null {
  if (view.now / 1000 > sender.exp + CLOCK_SKEW_SECONDS) return { verdict: "close", ...CLOSE_CODES.tokenInvalid };
  const member = view.member(sender.agentId);
  if (member?.suspended) return { verdict: "close", ...CLOSE_CODES.suspended };
  return null;
}

function hello(frame: Frame<"hello">, sender: Sender, view: RelayView): Verdict {
  if (frame.v !== PROTOCOL_VERSION)
    return {
      verdict: "close",
      ...CLOSE_CODES.protocolVersion,
      message: `This relay speaks protocol v${PROTOCOL_VERSION}; the client asked for v${frame.v}.`,
    };
  if (sender.ready) return error("invalid_frame", "hello was already sent on this connection.");
  const cursor = view.cursor(sender.agentId);
  // resumeFrom beyond the cursor: the client processed more than it acked — an ack (clamped to the head).
  const ackTo = frame.resumeFrom !== undefined && frame.resumeFrom > cursor ? Math.min(frame.resumeFrom, view.head) : null;
  return {
    verdict: "accept",
    action: "hello",
    replayFrom: Math.max(cursor, ackTo ?? 0),
    ackTo: ackTo !== null && ackTo > cursor ? ackTo : null,
  };
}

function message(frame: MessageFrame, sender: Sender, view: RelayView): Verdict {
  // Idempotency first: a client id this sender already used gets the original answer and nothing
  // else — also when its rate bucket is empty, since a retry after a reconnect is not new traffic.
  const stored = view.storedSeq(sender.agentId, frame.id);
  if (stored !== null) return { verdict: "accept", action: "duplicate", seq: stored };
  const held = view.heldApproval?.(sender.agentId, frame.id) ?? null;
  if (held !== null) return { verdict: "accept", action: "held", approvalId: held };
  const rate = view.rate(sender.agentId, sender.trust);
  if (!rate.ok) {
    const { messagesPerMinute } = trustLimits(sender.trust);
    return {
      verdict: "error",
      code: "rate_limited",
      message: `Trust level ${sender.trust} allows ${messagesPerMinute} messages per minute; retry in ${Math.ceil(rate.retryAfterMs / 1000)} s.`,
      rateLimited: rate,
    };
  }
  const kind: DeliveryKind = frame.type === "send" ? "direct" : frame.type === "publish" ? "topic" : frame.type;
  const deny = (code: ErrorCode, reason: string, extra: Record<string, unknown> = {}): Verdict => ({
    verdict: "deny",
    code,
    reason,
    audit: denialAudit(frame, kind, extra),
    consumesRate: true,
  });
  const expiresAt = view.now + ("ttlSeconds" in frame && frame.ttlSeconds !== undefined ? frame.ttlSeconds : DEFAULT_TTL_SECONDS) * 1000;

  switch (frame.type) {
    case "send":
    case "request": {
      const to = frame.to === sender.agentId ? null : view.member(frame.to);
      if (!to) return deny("not_found", `No agent ${frame.to} in this team.`);
      if (!view.allowlist.allows(sender, to))
        return deny("not_allowed", `The allowlist has no edge from ${sender.agentId} (${sender.role}) to ${to.agentId} (${to.role}).`);
      if (view.queued(to.agentId) >= view.queueCap)
        return deny("queue_full", `${to.agentId} has ${view.queueCap} unacknowledged messages; retry later.`);
      const message: Outgoing = { kind, recipients: [to.agentId], skipped: [], expiresAt };
      if (frame.type === "request") message.deadline = view.now + frame.timeoutMs;
      return governed(frame, sender, to.agentId, view, message, deny) ?? { verdict: "accept", action: "message", message };
    }
    case "reply": {
      // Bound to ONE request by its seq (`inReplyTo` = the `req-<seq>` id of the request's deliver
      // frame), and only if that request was made to this agent and is still open. Unknown, expired,
      // answered and someone else's requests get the same answer: a reply cannot probe for them.
      const seq = requestSeqOf(frame.inReplyTo);
      const open = seq === null ? null : view.openRequest(seq);
      if (!open || open.responder !== sender.agentId || open.deadline <= view.now) {
        return deny(
          "request_timeout",
          `No open request ${frame.inReplyTo} to this agent: it timed out, was answered, was not made to this agent, or never existed.`,
        );
      }
      return {
        verdict: "accept",
        action: "message",
        message: { kind, recipients: [open.requester], skipped: [], inReplyTo: open.requestId, requestSeq: open.seq, expiresAt },
      };
    }
    case "broadcast": {
      if (!trustLimits(sender.trust).mayBroadcast) return deny("not_allowed", `Trust level ${sender.trust} may not broadcast.`);
      const allowed: string[] = [];
      for (const m of view.members()) if (m.agentId !== sender.agentId && view.allowlist.allows(sender, m)) allowed.push(m.agentId);
      const { recipients, skipped } = splitByQueue(allowed, view);
      if (recipients.length === 0)
        return allowed.length === 0
          ? deny("not_allowed", "The allowlist lets this agent reach no one in the team.")
          : deny("queue_full", "Every allowed recipient's queue is full.");
      return { verdict: "accept", action: "message", message: { kind, recipients, skipped, expiresAt } };
    }
    case "publish": {
      if (!trustLimits(sender.trust).topicsPublish) return deny("not_allowed", `Trust level ${sender.trust} may not publish to topics.`);
      if (!view.allowlist.mayTopic(sender, frame.topic, "publish"))
        return deny("not_allowed", `The allowlist does not let this agent publish to ${frame.topic}.`);
      const subscribers: string[] = [];
      for (const agentId of view.subscribers(frame.topic)) {
        if (agentId === sender.agentId) continue;
        const m = view.member(agentId);
        // Re-checked at publish time: a rule removed after the subscription stops delivery at once.
        if (m && view.allowlist.mayTopic(m, frame.topic, "subscribe")) subscribers.push(agentId);
      }
      const { recipients, skipped } = splitByQueue(subscribers, view);
      return { verdict: "accept", action: "message", message: { kind, recipients, skipped, topic: frame.topic, expiresAt } };
    }
  }
}

/**
 * Governance of a direct message (docs/governance.md#approvals): the guardrails read the body's
 * executable fields under the tenant's policy and the sender's trust — `block` refuses
 * (`guardrail_blocked`), `require_approval` holds it for a person; a supervised pair's message is
 * held too. Null: deliver as usual.
 */
function governed(
  frame: Frame<"send" | "request">,
  sender: Sender,
  to: string,
  view: RelayView,
  message: Outgoing,
  deny: (code: ErrorCode, reason: string, extra?: Record<string, unknown>) => Verdict,
): Verdict | null {
  if (view.guardrails) {
    const decision = checkGuardrails({ kind: "json", json: frame.body }, view.guardrails, sender.trust);
    const which = decision.findings.filter((f) => f.action === decision.action);
    const findings = which.map((f) => ({ ruleId: f.ruleId, severity: f.severity, action: f.action, reason: f.reason }));
    const detail = which.map((f) => `${f.ruleId}: ${f.reason}`).join("; ");
    if (decision.action === "block")
      return deny("guardrail_blocked", `The tenant's guardrail policy blocks this message: ${detail}`, { findings });
    if (decision.action === "require_approval")
      return {
        verdict: "accept",
        action: "hold",
        message,
        kind: "relay_request",
        trigger: { source: "guardrail", detail: detail.slice(0, 1000), findings: findings.slice(0, 20) },
      };
  }
  if (view.supervised?.(sender.agentId, to))
    return {
      verdict: "accept",
      action: "hold",
      message,
      kind: "supervised_message",
      trigger: {
        source: "supervised_pair",
        detail: `${sender.agentId} and ${to} are a supervised pair: every message between them waits for a person.`,
      },
    };
  return null;
}

function splitByQueue(candidates: string[], view: RelayView): { recipients: string[]; skipped: string[] } {
  const recipients: string[] = [];
  const skipped: string[] = [];
  for (const agentId of candidates) (view.queued(agentId) >= view.queueCap ? skipped : recipients).push(agentId);
  return { recipients, skipped };
}

/** The audit of a refused message: its kind and target, never its body (the effects add its hash and size). */
function denialAudit(frame: MessageFrame, kind: DeliveryKind, extra: Record<string, unknown>): DenialAudit {
  switch (frame.type) {
    case "send":
    case "request":
      return {
        action: "relay.message_denied",
        target: { type: "agent", id: frame.to },
        details: { kind, recipient: frame.to, ...extra },
        observed: { kind, to: [frame.to] },
      };
    case "publish":
      return {
        action: "relay.message_denied",
        target: { type: "topic", id: frame.topic },
        details: { kind, topic: frame.topic, ...extra },
        observed: { kind, topic: frame.topic },
      };
    case "reply":
      return { action: "relay.message_denied", target: null, details: { kind, inReplyTo: frame.inReplyTo, ...extra }, observed: { kind } };
    case "broadcast":
      return { action: "relay.message_denied", target: null, details: { kind, ...extra }, observed: { kind } };
  }
}

/**
 * Presence is information the allowlist governs: an agent's comings and goings are seen by the
 * online agents it shares an edge with, in either direction (and by observers, who see the whole
 * team). For a snapshot the same rule answers which online peers a newcomer is told about.
 */
function presenceAudience(subject: Party, view: Pick<RelayView, "online" | "allowlist">): string[] {
  const audience: string[] = [];
  for (const peer of view.online()) {
    if (peer.agentId === subject.agentId) continue;
    if (view.allowlist.allows(peer, subject) || view.allowlist.allows(subject, peer)) audience.push(peer.agentId);
  }
  return audience;
}

function error(code: ErrorCode, message: string): Verdict {
  return { verdict: "error", code, message };
}
