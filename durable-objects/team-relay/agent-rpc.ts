/**
 * The relay's messaging RPCs for agents that are not on a WebSocket — the MCP server's
 * `send_message`, `request`, `read_inbox` and `ack` tools (workers/api/src/services/relay-messaging.ts,
 * docs/mcp.md). There is no second decision path: each call becomes the client frame a WebSocket
 * would carry, goes through the same schema (`parseClientFrame`), the same `judge` and the same
 * effects (effects.ts); the answer the socket would have received (`accepted`, `denied`, `error`)
 * is captured by an `RpcAnswer` and returned as a result. What differs is only what a socket gives
 * for free: the identity (the API read it from D1 and passes it, as it does for an upgrade) and,
 * for `request`, waiting for the reply (the call resolves when the reply is stored or the request's
 * `timeoutMs` passes).
 */
import type { CoordResult } from "../team-coordinator/context";
import type { ErrorCode } from "../../workers/shared/errors/catalogue";
import { parseClientFrame, requestIdOf, type ClientFrame } from "../../workers/shared/relay/protocol";
import type { AgentTemplate } from "../../workers/shared/agent-templates";
import type { TrustLevel } from "../../workers/shared/trust-levels";
import { replayPage, type StoredMessage } from "./delivery";
import { applyVerdict, RpcAnswer } from "./effects";
import type { FramePath } from "./frames";
import type { AgentAttachment } from "./connections";
import { judge } from "./judge";
import type { RelayCore } from "./relay-core";

/** The agent as the API read it (agent token verified, role and trust from D1). */
export interface RpcAgent {
  agentId: string;
  role: AgentTemplate;
  trust: TrustLevel;
}

/** One relay message as the inbox shows it. `id` is what `reply` answers for a request (`req-<seq>`), else the sender's client id. */
export interface InboxMessage {
  seq: number;
  from: string;
  kind: StoredMessage["kind"];
  id: string;
  body: unknown;
  topic?: string;
  /** A reply: the requester's own client id for its request. */
  inReplyTo?: string;
  /** A reply: the seq of the request it answers. */
  requestSeq?: number;
  at: string;
}

/** Most messages one inbox read returns (a replay page). */
export const INBOX_MAX = 500;
/** How long after a request's deadline the call gives up if the alarm has not answered (it normally does at the deadline). */
const REQUEST_GRACE_MS = 2_000;

const fail = <T>(code: ErrorCode, message: string, details?: Record<string, unknown>): CoordResult<T> => ({
  ok: false,
  error: { code, message, ...(details ? { details } : {}) },
});

export class AgentRpc {
  constructor(
    private readonly core: RelayCore,
    private readonly frames: FramePath,
  ) {}

  send(
    agent: RpcAgent,
    input: { to: string; body: unknown; clientId: string; ttlSeconds?: number },
  ): Promise<CoordResult<{ seq: number }>> {
    return this.message(agent, {
      type: "send",
      id: input.clientId,
      to: input.to,
      body: input.body,
      ...(input.ttlSeconds !== undefined ? { ttlSeconds: input.ttlSeconds } : {}),
    });
  }

  reply(agent: RpcAgent, input: { inReplyTo: string; body: unknown; clientId: string }): Promise<CoordResult<{ seq: number }>> {
    return this.message(agent, { type: "reply", id: input.clientId, inReplyTo: input.inReplyTo, body: input.body });
  }

  async request(
    agent: RpcAgent,
    input: { to: string; body: unknown; clientId: string; timeoutMs: number },
  ): Promise<CoordResult<{ seq: number; reply: InboxMessage }>> {
    const sent = await this.message(agent, {
      type: "request",
      id: input.clientId,
      to: input.to,
      body: input.body,
      timeoutMs: input.timeoutMs,
    });
    if (!sent.ok) return sent;
    const { seq } = sent.value;
    const reply = await this.awaitReply(seq, agent.agentId);
    if (!reply) return fail("request_timeout", `No reply to request ${input.clientId} (seq ${seq}) within ${input.timeoutMs} ms.`, { seq });
    return { ok: true, value: { seq, reply: inboxMessage(reply) } };
  }

  /** Unacknowledged messages after the agent's cursor, oldest first; does not move the cursor. */
  inbox(agent: RpcAgent, input: { limit: number }): CoordResult<{ messages: InboxMessage[]; cursor: number; head: number }> {
    const core = this.core;
    const cursor = core.cursors.acked(agent.agentId);
    const rows = replayPage(core.sql, agent.agentId, cursor, Date.now(), Math.max(1, Math.min(input.limit, INBOX_MAX)));
    return { ok: true, value: { messages: rows.map(inboxMessage), cursor, head: core.head } };
  }

  /** The cumulative ack, judged like the frame; persisted at once (an RPC agent has no connection whose close would write it). */
  ack(agent: RpcAgent, input: { seq: number }): CoordResult<{ cursor: number }> {
    const answer = this.decide(agent, { type: "ack", seq: input.seq });
    if (answer.refused) return answer.refused;
    return { ok: true, value: { cursor: this.core.cursors.acked(agent.agentId) } };
  }

  private async message(agent: RpcAgent, frame: Record<string, unknown>): Promise<CoordResult<{ seq: number }>> {
    // The same schema and size limit as a frame on the socket.
    const parsed = parseClientFrame(JSON.stringify(frame));
    if (!parsed.ok) return fail(parsed.code, parsed.message);
    const to = "to" in parsed.frame ? parsed.frame.to : undefined;
    // A recipient the relay does not know yet may have joined the team since the last refresh (as on the frame path).
    if (to !== undefined && !this.core.roster.get(to)) await this.frames.refreshMembers(false);
    if (!this.core.roster.get(agent.agentId)) await this.frames.refreshMembers(true);
    const answer = this.decide(agent, parsed.frame);
    if (answer.refused) return answer.refused;
    const accepted = answer.frame as { seq: number };
    return { ok: true, value: { seq: accepted.seq } };
  }

  /** judge + effects, exactly as for a frame; the socket's answer captured. */
  private decide(agent: RpcAgent, frame: ClientFrame): { frame: Record<string, unknown> | null; refused: CoordResult<never> | null } {
    const core = this.core;
    core.now = Date.now();
    // The call is the connection: authenticated by the API just now, and past its `hello`.
    const sender: AgentAttachment = {
      kind: "agent",
      agentId: agent.agentId,
      tenantId: core.tenantId,
      role: agent.role,
      trust: agent.trust,
      exp: Math.floor(core.now / 1000) + 60,
      connId: "rpc",
      ready: true,
    };
    const answer = new RpcAnswer();
    applyVerdict(core, answer, sender, frame, judge(frame, sender, core));
    const out = answer.last;
    if (out && (out.type === "denied" || out.type === "error"))
      return { frame: out, refused: fail(out.code as ErrorCode, String(out.reason ?? out.message ?? "refused")) };
    return { frame: out, refused: null };
  }

  /** Resolves with the reply's row when it is stored, or null when the request times out. */
  private awaitReply(seq: number, requester: string): Promise<StoredMessage | null> {
    const core = this.core;
    const open = core.requests.get(seq);
    if (!open) return Promise.resolve(findReply(core, seq, requester));
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(null), Math.max(0, open.deadline - Date.now()) + REQUEST_GRACE_MS);
      const settle = (reply: StoredMessage | null) => {
        clearTimeout(timer);
        core.replyWaiters.delete(seq);
        resolve(reply);
      };
      core.replyWaiters.set(seq, settle);
    });
  }
}

/** A request retried after it was answered: its reply from the log (a scan from the request's seq; rare). */
function findReply(core: RelayCore, requestSeq: number, requester: string): StoredMessage | null {
  return (
    core.sql
      .exec<StoredMessage>(
        "SELECT * FROM messages WHERE seq > ? AND request_seq = ? AND recipient = ? LIMIT 1",
        requestSeq,
        requestSeq,
        requester,
      )
      .toArray()[0] ?? null
  );
}

export function inboxMessage(m: StoredMessage): InboxMessage {
  return {
    seq: m.seq,
    from: m.sender,
    kind: m.kind,
    id: m.kind === "request" ? requestIdOf(m.seq) : m.client_id,
    body: JSON.parse(m.body),
    ...(m.topic !== null ? { topic: m.topic } : {}),
    ...(m.in_reply_to !== null ? { inReplyTo: m.in_reply_to } : {}),
    ...(m.request_seq !== null ? { requestSeq: m.request_seq } : {}),
    at: new Date(m.created_at).toISOString(),
  };
}
