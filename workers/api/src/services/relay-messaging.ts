/**
 * What the MCP messaging tools (`send_message`, `request`, `read_inbox`, `ack`) need from the
 * team relay, as one small interface, implemented over the relay's agent RPCs (`agentSend`,
 * `agentRequest`, `agentReply`, `agentInbox`, `agentAck` on TeamRelay). Those RPCs turn each call
 * into the frame an agent would send on the relay WebSocket and run it through the same `judge`
 * and effects (durable-objects/team-relay/agent-rpc.ts): allowlist, rate, queue cap, idempotency,
 * audit and reply binding are the relay's, not re-implemented here. Contract: docs/mcp.md.
 */
import type { CoordResult } from "../../../../durable-objects/team-coordinator/context";
import type { TeamRef } from "../../../../durable-objects/team-coordinator/team-coordinator";
import type { Caller } from "../../../shared/coordination/policy";
import type { InboxMessage } from "../../../../durable-objects/team-relay/agent-rpc";
import { relayOf } from "./relay";

type AgentCaller = Extract<Caller, { kind: "agent" }>;

/** One relay message as an inbox shows it (the relay's own type). */
export type { InboxMessage };

export interface RelayMessaging {
  /** A direct message, allowlist-checked, durable when answered; idempotent by `clientId`. */
  send(
    team: TeamRef,
    from: AgentCaller,
    input: { to: string; body: unknown; clientId: string; ttlSeconds?: number },
  ): Promise<CoordResult<{ seq: number }>>;
  /** A request, and the reply if it arrives within `timeoutMs` (else `request_timeout`). */
  request(
    team: TeamRef,
    from: AgentCaller,
    input: { to: string; body: unknown; clientId: string; timeoutMs: number },
  ): Promise<CoordResult<{ seq: number; reply: InboxMessage }>>;
  /** A reply to a request delivered to the agent. */
  reply(
    team: TeamRef,
    from: AgentCaller,
    input: { inReplyTo: string; body: unknown; clientId: string },
  ): Promise<CoordResult<{ seq: number }>>;
  /** Messages after the agent's cursor (not acknowledged), oldest first; does not move the cursor. */
  readInbox(
    team: TeamRef,
    agent: AgentCaller,
    input: { limit: number },
  ): Promise<CoordResult<{ messages: InboxMessage[]; cursor: number; head: number }>>;
  /** Cumulative ack: everything up to `seq` is processed. */
  ack(team: TeamRef, agent: AgentCaller, input: { seq: number }): Promise<CoordResult<{ cursor: number }>>;
}

/** The agent as the API read it (token verified, role and trust from D1): what the relay judges. */
const agentOf = (a: AgentCaller) => ({ agentId: a.agentId, role: a.role, trust: a.trust });

export function relayMessaging(env: Env): RelayMessaging {
  const relay = (team: TeamRef) => relayOf(env, team.teamId);
  const ref = (team: TeamRef) => ({ teamId: team.teamId, tenantId: team.tenantId });
  return {
    send: async (team, from, input) => (await relay(team).agentSend(ref(team), agentOf(from), input)) as CoordResult<{ seq: number }>,
    request: async (team, from, input) =>
      (await relay(team).agentRequest(ref(team), agentOf(from), input)) as CoordResult<{ seq: number; reply: InboxMessage }>,
    reply: async (team, from, input) => (await relay(team).agentReply(ref(team), agentOf(from), input)) as CoordResult<{ seq: number }>,
    readInbox: async (team, agent, input) =>
      (await relay(team).agentInbox(ref(team), agentOf(agent), input)) as CoordResult<{
        messages: InboxMessage[];
        cursor: number;
        head: number;
      }>,
    ack: async (team, agent, input) => (await relay(team).agentAck(ref(team), agentOf(agent), input)) as CoordResult<{ cursor: number }>,
  };
}
