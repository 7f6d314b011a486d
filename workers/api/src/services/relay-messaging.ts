/**
 * What the MCP messaging tools (`send_message`, `request`, `read_inbox`, `ack`) need from the
 * team relay, as one small interface. The relay's internals (and how replies bind to requests)
 * are being rewritten on another branch, so this module does NOT reach into them: the only
 * implementation today is `RELAY_MESSAGING_NOT_WIRED`, which answers every call with the
 * `unavailable` error naming the relay RPC it waits for. Wiring it is: implement
 * `relayMessaging(env)` over those RPCs (listed in docs/mcp.md "Relay messaging") — the tools,
 * their schemas and their tests already go through this interface.
 */
import type { CoordResult } from "../../../../durable-objects/team-coordinator/context";
import type { TeamRef } from "../../../../durable-objects/team-coordinator/team-coordinator";
import type { Caller } from "../../../shared/coordination/policy";

type AgentCaller = Extract<Caller, { kind: "agent" }>;

export interface InboxMessage {
  seq: number;
  from: string;
  kind: "direct" | "broadcast" | "request" | "reply" | "topic";
  /** The sender's client id; a request's id is what `reply` answers. */
  id: string;
  body: unknown;
  topic?: string;
  inReplyTo?: string;
  at: string;
}

export interface RelayMessaging {
  /** A direct message, allowlist-checked, durable when answered; idempotent by `clientId`. */
  send(team: TeamRef, from: AgentCaller, input: { to: string; body: unknown; clientId: string; ttlSeconds?: number }): Promise<CoordResult<{ seq: number }>>;
  /** A request, and the reply if it arrives within `timeoutMs` (else `request_timeout`). */
  request(team: TeamRef, from: AgentCaller, input: { to: string; body: unknown; clientId: string; timeoutMs: number }): Promise<CoordResult<{ seq: number; reply: InboxMessage }>>;
  /** A reply to a request delivered to the agent. */
  reply(team: TeamRef, from: AgentCaller, input: { inReplyTo: string; body: unknown; clientId: string }): Promise<CoordResult<{ seq: number }>>;
  /** Messages after the agent's cursor (not acknowledged), oldest first; does not move the cursor. */
  readInbox(team: TeamRef, agent: AgentCaller, input: { limit: number }): Promise<CoordResult<{ messages: InboxMessage[]; cursor: number; head: number }>>;
  /** Cumulative ack: everything up to `seq` is processed. */
  ack(team: TeamRef, agent: AgentCaller, input: { seq: number }): Promise<CoordResult<{ cursor: number }>>;
}

const missing = (rpc: string) =>
  Promise.resolve({ ok: false as const, error: { code: "unavailable" as const, message: `Relay messaging over MCP is not wired on this deployment yet: it needs the relay RPC \`${rpc}\` (docs/mcp.md). Use the relay WebSocket (docs/protocol.md) meanwhile; coordination tools work.`, details: { missing: `TeamRelay.${rpc}` } } });

export const RELAY_MESSAGING_NOT_WIRED: RelayMessaging = {
  send: () => missing("agentSend"),
  request: () => missing("agentRequest"),
  reply: () => missing("agentReply"),
  readInbox: () => missing("agentInbox"),
  ack: () => missing("agentAck"),
};

export function relayMessaging(_env: Env): RelayMessaging {
  return RELAY_MESSAGING_NOT_WIRED;
}
