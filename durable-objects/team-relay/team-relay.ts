/**
 * TeamRelay: one Durable Object per team (`idFromName(teamId)`), the hub its agents talk
 * through. Hibernatable WebSockets only; identity in socket attachments; everything that matters
 * in SQLite. This class is a thin adapter: it wires the runtime's events and the API's RPCs to the
 * modules beside it — the state (relay-core.ts), the frame path (frames.ts → judge.ts →
 * effects.ts), the upgrade (connect.ts), the alarm (alarm.ts). Read docs/relay.md for the whole
 * picture.
 */
import { DurableObject } from "cloudflare:workers";
import type { CoordResult } from "../team-coordinator/context";
import type { Allowlist, Edge, TopicRule } from "../../workers/shared/relay/allowlist";
import { CompiledAllowlist } from "../../workers/shared/relay/allowlist";
import { CLOSE_CODES, HEARTBEAT } from "../../workers/shared/relay/protocol";
import { AgentRpc, type InboxMessage, type RpcAgent } from "./agent-rpc";
import { reschedule, runAlarm } from "./alarm";
import { editRule, loadAllowlist, replaceAllowlist, type EditResult, type ReplaceResult, type RuleEdit } from "./allowlist";
import { bindTeam, connect } from "./connect";
import { FramePath } from "./frames";
import type { Member } from "./members";
import { disconnect } from "./presence";
import { RelayCore } from "./relay-core";
import { migrate } from "./schema";
import { relayMeter, type RelayStats } from "./sql-meter";
import { releaseHeld, type ApprovalNotice, type SupervisedPair } from "./held";

type RelayTeam = { teamId: string; tenantId: string };
type RpcResult<T> = CoordResult<T>;

export class TeamRelay extends DurableObject<Env> {
  private readonly meter = relayMeter();
  /** The relay's state; public for tests (poisoned and inspected through runInDurableObject). */
  readonly core: RelayCore;
  private readonly frames: FramePath;
  private readonly rpc: AgentRpc;
  /** Alarm runs, one at a time: a flush awaits the audit trail, and two flushes of the same cursor would send one batch twice. */
  private alarms: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = this.meter.wrap(ctx.storage.sql, { execOnly: true });
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(HEARTBEAT.request, HEARTBEAT.response));
    migrate(sql);
    this.core = new RelayCore(ctx, env, sql, this.meter.counters);
    this.frames = new FramePath(this.core);
    this.rpc = new AgentRpc(this.core, this.frames);
    void ctx.blockConcurrencyWhile(async () => {
      this.core.alarmAt = await ctx.storage.getAlarm();
      // Work left in storage with no alarm to do it (e.g. the process died between a commit and
      // its setAlarm): arm one now rather than wait for the next frame to.
      if (this.core.alarmAt === null) reschedule(this.core);
    });
  }

  // ---- the runtime's events

  override fetch(request: Request): Promise<Response> {
    return connect(this.core, this.frames, request);
  }

  override webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): void | Promise<void> {
    return this.frames.receive(ws, data);
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    // Mirrors the close (1005/1006 are not sendable), or the client sees 1006.
    disconnect(this.core, ws, code === 1005 || code === 1006 ? 1000 : code, reason);
  }

  override webSocketError(ws: WebSocket): void {
    disconnect(this.core, ws, 1011, "error");
  }

  override alarm(): Promise<void> {
    const run = () => runAlarm(this.core);
    this.alarms = this.alarms.then(run, run);
    return this.alarms;
  }

  // ---- RPC from the API Worker

  getAllowlist(teamId: string, tenantId: string): Allowlist {
    bindTeam(this.core, teamId, tenantId);
    return loadAllowlist(this.core.sql);
  }

  putAllowlist(teamId: string, tenantId: string, expectedVersion: number, rules: { edges: Edge[]; topics: TopicRule[] }): ReplaceResult {
    bindTeam(this.core, teamId, tenantId);
    const result = replaceAllowlist(this.core.sql, expectedVersion, rules);
    // The next frame on every open connection is judged by the new rules.
    if (result.ok) this.core.allowlist = new CompiledAllowlist(result.allowlist);
    return result;
  }

  /** Adds or removes one edge or topic rule (idempotent: no change, no new version). */
  editAllowlist(teamId: string, tenantId: string, edit: RuleEdit): EditResult {
    bindTeam(this.core, teamId, tenantId);
    const result = editRule(this.core.sql, edit);
    if (result.ok && result.changed) this.core.allowlist = new CompiledAllowlist(result.allowlist);
    return result;
  }

  /**
   * The agent's template (role) or trust level changed in D1: update the member list and the
   * attachments of its open sockets, so role edges, the rate limit and the broadcast right follow
   * from its next frame (and frames naming it as recipient use the new role at once).
   * Returns how many open sockets were updated.
   */
  updateMember(teamId: string, tenantId: string, member: Omit<Member, "suspended">): number {
    bindTeam(this.core, teamId, tenantId);
    const before = this.core.roster.get(member.agentId);
    if (!before) return 0;
    this.core.roster.upsert({ ...before, role: member.role, trust: member.trust });
    // A raised level starts a fresh bucket at the new burst; a lowered one is capped at the new burst by the bucket itself.
    if (member.trust > before.trust) this.core.rates.forget(member.agentId);
    let updated = 0;
    for (const ws of this.core.connections.ofAgent(member.agentId)) {
      const att = this.core.connections.attachment(ws);
      if (att?.kind !== "agent") continue;
      this.core.connections.set(ws, { ...att, role: member.role, trust: member.trust });
      updated++;
    }
    return updated;
  }

  // ---- messaging RPCs for agents off the WebSocket (the MCP tools): the frame's judge and effects (agent-rpc.ts)

  /** The `send` frame: `{ seq }` once stored, or the denial/error it would get on the socket. */
  agentSend(
    team: RelayTeam,
    agent: RpcAgent,
    input: { to: string; body: unknown; clientId: string; ttlSeconds?: number },
  ): Promise<RpcResult<{ seq: number }>> {
    bindTeam(this.core, team.teamId, team.tenantId);
    return this.rpc.send(agent, input);
  }

  /** The `request` frame; resolves with the reply once it is stored, or `request_timeout` after `timeoutMs`. */
  agentRequest(
    team: RelayTeam,
    agent: RpcAgent,
    input: { to: string; body: unknown; clientId: string; timeoutMs: number },
  ): Promise<RpcResult<{ seq: number; reply: InboxMessage }>> {
    bindTeam(this.core, team.teamId, team.tenantId);
    return this.rpc.request(agent, input);
  }

  /** The `reply` frame (`inReplyTo` = the request's `req-<seq>` id). */
  agentReply(
    team: RelayTeam,
    agent: RpcAgent,
    input: { inReplyTo: string; body: unknown; clientId: string },
  ): Promise<RpcResult<{ seq: number }>> {
    bindTeam(this.core, team.teamId, team.tenantId);
    return this.rpc.reply(agent, input);
  }

  /** Messages after the agent's cursor, oldest first, without moving it. */
  agentInbox(
    team: RelayTeam,
    agent: RpcAgent,
    input: { limit: number },
  ): RpcResult<{ messages: InboxMessage[]; cursor: number; head: number }> {
    bindTeam(this.core, team.teamId, team.tenantId);
    return this.rpc.inbox(agent, input);
  }

  /** The cumulative `ack`. */
  agentAck(team: RelayTeam, agent: RpcAgent, input: { seq: number }): RpcResult<{ cursor: number }> {
    bindTeam(this.core, team.teamId, team.tenantId);
    return this.rpc.ack(agent, input);
  }

  /** Counters since this instance started: SQL rows written/read (as billed), messages accepted, audit events flushed. */
  async stats(): Promise<RelayStats> {
    return this.meter.snapshot();
  }

  /**
   * Closes every connection of an agent — hello'd or not — and, for a suspension (4003), remembers
   * it: a frame on a connection that escaped (or an upgrade already on its way) is closed too, until
   * D1 says the agent is active again (read at its next connect). Returns how many were closed.
   */
  closeAgent(agentId: string, code: number, reason: string): number {
    if (code === CLOSE_CODES.suspended.code) {
      const member = this.core.roster.get(agentId);
      if (member) this.core.roster.upsert({ ...member, suspended: true });
    }
    const sockets = this.core.connections.ofAgent(agentId);
    for (const ws of sockets) disconnect(this.core, ws, code, reason);
    return sockets.length;
  }

  /**
   * Safe mode (docs/governance.md): closes every agent connection of the team — hello'd or not —
   * with `code`; people watching (observers) stay connected so the dashboard sees the team go quiet.
   * Reconnecting is refused at the API (the token verification reads the hold from D1). Returns how many were closed.
   */
  closeAllAgents(code: number, reason: string): number {
    let closed = 0;
    for (const ws of this.ctx.getWebSockets()) {
      if (this.core.connections.attachment(ws)?.kind !== "agent") continue;
      disconnect(this.core, ws, code, reason);
      closed++;
    }
    return closed;
  }

  /** The agent left the team (removed or deleted): close its connections and forget it. */
  removeMember(agentId: string): number {
    const closed = this.closeAgent(agentId, CLOSE_CODES.tokenInvalid.code, CLOSE_CODES.tokenInvalid.reason);
    this.core.roster.remove(agentId);
    this.core.subscriptions.removeAgent(agentId);
    this.core.queues.forget(agentId);
    return closed;
  }

  // ---- approvals (docs/governance.md#approvals): a held message's decision, from the tenant's ApprovalDesk

  /** Delivers a held message once approved; tells its sender (a `denied` frame naming the approval) when denied or expired. */
  approvalDecided(notice: ApprovalNotice): void {
    const { delivered } = releaseHeld(this.core, notice);
    // Not awaited: the desk is waiting on this call (its outbox send), and marks the approval executed on its own time.
    if (delivered !== null)
      this.ctx.waitUntil(
        this.env.APPROVAL_DESK.get(this.env.APPROVAL_DESK.idFromName(this.core.tenantId))
          .delivered(notice.approvalId, delivered)
          .catch((err) =>
            console.error(JSON.stringify({ msg: "approval delivered notice failed", approvalId: notice.approvalId, err: String(err) })),
          ),
      );
  }

  getSupervisedPairs(teamId: string, tenantId: string): SupervisedPair[] {
    bindTeam(this.core, teamId, tenantId);
    return this.core.governance.supervisedPairs();
  }

  putSupervisedPairs(teamId: string, tenantId: string, pairs: SupervisedPair[]): SupervisedPair[] {
    bindTeam(this.core, teamId, tenantId);
    return this.core.governance.setSupervisedPairs(pairs);
  }
}
