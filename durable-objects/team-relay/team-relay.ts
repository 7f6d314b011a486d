/**
 * TeamRelay: one Durable Object per team (`idFromName(teamId)`), the hub its agents talk
 * through. Hibernatable WebSockets only; identity in socket attachments; everything that
 * matters in SQLite; in-memory fields are caches rebuilt here at start-up. The class only wires
 * events to the modules beside it — read docs/relay.md for the whole picture.
 */
import { DurableObject } from "cloudflare:workers";
import type { Allowlist, Edge, TopicRule } from "../../workers/shared/relay/allowlist";
import { CompiledAllowlist } from "../../workers/shared/relay/allowlist";
import { AGENT_CLOSE_CODES } from "../../workers/shared/agent-identity/errors";
import { HEARTBEAT, PROTOCOL_VERSION, SUBPROTOCOL } from "../../workers/shared/relay/protocol";
import { compile, editRule, loadAllowlist, replaceAllowlist, type EditResult, type ReplaceResult, type RuleEdit } from "./allowlist";
import { AUDIT_FLUSH_BATCH, auditFlushedSeq, flushAccepted, flushStaged, stagedCount } from "./audit-staging";
import { agentTag, attachmentOf, OBSERVER_TAG, readySockets, sendFrame, setAttachment, type Attachment } from "./connections";
import { deletePendingRequest, dueRequests, headSeq, nextExpiry, nextRequestDeadline, purgeExpired } from "./delivery";
import { handleAgentFrame } from "./frames";
import { LogCache } from "./log-cache";
import { deleteMember, fetchMembers, getMember, REFRESH_INTERVAL_MS, replaceMembers, upsertMember, type Member } from "./members";
import { disconnect, sendPresenceSnapshot } from "./presence";
import { RateLimits } from "./rate-limit";
import { RELAY_LIMITS, type Relay, type RelayLimits } from "./relay-context";
import { migrate, readMeta, writeMeta } from "./schema";
import { IDENTITY_HEADER, type ConnectIdentity } from "./identity";
import { SqlMeter, type RelayStats } from "./sql-meter";

export class TeamRelay extends DurableObject<Env> implements Relay {
  readonly sql: SqlStorage;
  readonly rates = new RateLimits();
  readonly limits: RelayLimits = { ...RELAY_LIMITS };
  private readonly meter = new SqlMeter();
  readonly counters: RelayStats = this.meter.counters;
  readonly cache = new LogCache(() => this.sql);
  head = 0;
  allowlist = new CompiledAllowlist({ edges: [], topics: [] });
  teamId = "";
  tenantId = "";
  private alarmAt: number | null = null;
  private lastMemberRefresh = 0;
  private lastPurgeAt = 0;
  /** Frames are handled one at a time, in arrival order, even across the rare await (a D1 member lookup). */
  private queue: Promise<void> = Promise.resolve();
  /** Alarm runs, one at a time: a flush awaits the audit trail, and two flushes of the same cursor would send one batch twice. */
  private alarms: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = this.meter.wrap(ctx.storage.sql);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(HEARTBEAT.request, HEARTBEAT.response));
    void ctx.blockConcurrencyWhile(async () => {
      migrate(this.sql);
      this.head = headSeq(this.sql);
      this.allowlist = compile(loadAllowlist(this.sql));
      this.teamId = readMeta(this.sql, "team_id") ?? "";
      this.tenantId = readMeta(this.sql, "tenant_id") ?? "";
      this.alarmAt = await ctx.storage.getAlarm();
      // Work left in storage with no alarm to do it (e.g. the process died between a commit and
      // its setAlarm): arm one now rather than wait for the next frame to.
      if (this.alarmAt === null) await this.rescheduleFromStorage();
    });
  }

  get state(): DurableObjectState {
    return this.ctx;
  }

  // ---- connections (the API Worker forwards upgrades here after verifying who is connecting)

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("Expected a WebSocket upgrade.", { status: 426 });
    const identity = JSON.parse(request.headers.get(IDENTITY_HEADER) ?? "null") as ConnectIdentity | null;
    if (!identity) return new Response("Missing identity.", { status: 400 });
    this.bindTeam(identity.teamId, identity.tenantId);
    const connId = crypto.randomUUID();
    let attachment: Attachment;
    let tags: string[];
    if (identity.kind === "agent") {
      if (readySockets(this.ctx, identity.agentId).length >= this.limits.maxSocketsPerAgent) {
        return Response.json({ error: { code: "rate_limited", message: `An agent may hold ${this.limits.maxSocketsPerAgent} relay connections at once.` } }, { status: 429 });
      }
      upsertMember(this.sql, { agentId: identity.agentId, role: identity.role, trust: identity.trust });
      await this.refreshMembers(true);
      attachment = { kind: "agent", agentId: identity.agentId, tenantId: identity.tenantId, role: identity.role, trust: identity.trust, exp: identity.exp, connId, ready: false };
      tags = [agentTag(identity.agentId)];
    } else {
      attachment = { kind: "observer", userId: identity.userId, tenantId: identity.tenantId, connId };
      tags = [OBSERVER_TAG];
    }
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.ctx.acceptWebSocket(server, tags);
    setAttachment(server, attachment);
    if (attachment.kind === "observer") {
      sendFrame(server, { type: "welcome", v: PROTOCOL_VERSION, agentId: `observer:${attachment.userId}`, teamId: this.teamId, resumeFrom: this.head, head: this.head });
      sendPresenceSnapshot(this, server, null);
    }
    return new Response(null, { status: 101, webSocket: client, headers: identity.subprotocol ? { "Sec-WebSocket-Protocol": SUBPROTOCOL } : {} });
  }

  override webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const run = async () => {
      const att = attachmentOf(ws);
      if (!att) return ws.close(1011, "lost identity");
      if (att.kind === "observer") return sendFrame(ws, { type: "error", id: null, code: "not_allowed", message: "Observer connections are read-only." });
      await handleAgentFrame(this, { member: (id) => this.member(id) }, ws, att, data);
    };
    this.queue = this.queue.then(run, run).catch((err: unknown) => {
      console.error(JSON.stringify({ msg: "relay frame failed", teamId: this.teamId, error: String(err) }));
      sendFrame(ws, { type: "error", id: null, code: "internal_error", message: "The relay could not handle this frame; it was not accepted." });
    });
    return this.queue;
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    // Mirrors the close (1005/1006 are not sendable), or the client sees 1006.
    disconnect(this, ws, code === 1005 || code === 1006 ? 1000 : code, reason);
  }

  override webSocketError(ws: WebSocket): void {
    disconnect(this, ws, 1011, "error");
  }

  // ---- RPC from the API Worker

  getAllowlist(teamId: string, tenantId: string): Allowlist {
    this.bindTeam(teamId, tenantId);
    return loadAllowlist(this.sql);
  }

  putAllowlist(teamId: string, tenantId: string, expectedVersion: number, rules: { edges: Edge[]; topics: TopicRule[] }): ReplaceResult {
    this.bindTeam(teamId, tenantId);
    const result = replaceAllowlist(this.sql, expectedVersion, rules);
    // The next frame on every open connection is judged by the new rules.
    if (result.ok) this.allowlist = compile(result.allowlist);
    return result;
  }

  /** Adds or removes one edge or topic rule (idempotent: no change, no new version). */
  editAllowlist(teamId: string, tenantId: string, edit: RuleEdit): EditResult {
    this.bindTeam(teamId, tenantId);
    const result = editRule(this.sql, edit);
    if (result.ok && result.changed) this.allowlist = compile(result.allowlist);
    return result;
  }

  /**
   * The agent's template (role) or trust level changed in D1: update the member list and the
   * attachments of its open sockets, so role edges, the rate limit and the broadcast right follow
   * from its next frame (and frames naming it as recipient use the new role at once).
   * Returns how many open sockets were updated.
   */
  updateMember(teamId: string, tenantId: string, member: Member): number {
    this.bindTeam(teamId, tenantId);
    const before = getMember(this.sql, member.agentId);
    if (!before) return 0;
    upsertMember(this.sql, member);
    // A raised level starts a fresh bucket at the new burst; a lowered one is capped at the new burst by the bucket itself.
    if (member.trust > before.trust) this.rates.forget(member.agentId);
    let updated = 0;
    for (const ws of this.ctx.getWebSockets(agentTag(member.agentId))) {
      const att = attachmentOf(ws);
      if (att?.kind !== "agent") continue;
      setAttachment(ws, { ...att, role: member.role, trust: member.trust });
      updated++;
    }
    return updated;
  }

  /** Counters since this instance started: SQL rows written/read (as billed), messages accepted, audit events flushed. */
  async stats(): Promise<RelayStats> {
    return this.meter.snapshot();
  }

  /** Closes every connection of an agent (suspension: 4003). Returns how many were closed. */
  closeAgent(agentId: string, code: number, reason: string): number {
    const sockets = this.ctx.getWebSockets(agentTag(agentId));
    for (const ws of sockets) disconnect(this, ws, code, reason);
    return sockets.length;
  }

  /** The agent left the team (removed or deleted): close its connections and forget it. */
  removeMember(agentId: string): number {
    const closed = this.closeAgent(agentId, AGENT_CLOSE_CODES.unauthenticated.code, AGENT_CLOSE_CODES.unauthenticated.reason);
    deleteMember(this.sql, agentId);
    return closed;
  }

  // ---- alarm: request timeouts, audit flush, TTL purge. Runs at least once: every step is idempotent.

  override alarm(): Promise<void> {
    const run = () => this.runAlarm();
    this.alarms = this.alarms.then(run, run);
    return this.alarms;
  }

  private async runAlarm(): Promise<void> {
    this.alarmAt = null;
    const now = Date.now();
    for (const p of dueRequests(this.sql, now)) {
      deletePendingRequest(this.sql, p.requester, p.request_id);
      for (const ws of readySockets(this.ctx, p.requester)) sendFrame(ws, { type: "timeout", id: p.request_id });
    }
    // Flush before purging: a message is its own audit record until its event is flushed.
    const team = { teamId: this.teamId, tenantId: this.tenantId };
    // At most 10 batches per run keeps one alarm short; a backlog left after them is flushed by
    // an alarm set for right away, not after the coalescing delay (which would cap the audit
    // trail at 10 batches per delay, whatever the ledger could take).
    let backlog = false;
    for (let i = 0; i < 10; i++) {
      const staged = await flushStaged(this.sql, this.env);
      const accepted = await flushAccepted(this.sql, this.env, team);
      this.counters.auditFlushed += staged + accepted;
      backlog = staged >= AUDIT_FLUSH_BATCH || accepted >= AUDIT_FLUSH_BATCH;
      if (!backlog) break;
    }
    const expiry = this.cache.nextExpiry(() => nextExpiry(this.sql, this.head));
    if (expiry !== null && expiry <= now && now - this.lastPurgeAt >= this.limits.purgeIntervalMs) {
      purgeExpired(this.sql, this.head, now, auditFlushedSeq(this.sql));
      this.lastPurgeAt = now;
      this.cache.purged();
    }
    await this.rescheduleFromStorage(backlog);
  }

  async wakeAt(at: number): Promise<void> {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    try {
      await this.ctx.storage.setAlarm(at);
    } catch (err) {
      this.alarmAt = null;
      console.error(JSON.stringify({ msg: "relay setAlarm failed", teamId: this.teamId, error: String(err) }));
    }
  }

  private async rescheduleFromStorage(backlog = false): Promise<void> {
    const now = Date.now();
    const unflushed = stagedCount(this.sql) > 0 || auditFlushedSeq(this.sql) < this.head;
    if (unflushed && backlog) return this.wakeAt(now);
    const expiry = this.cache.nextExpiry(() => nextExpiry(this.sql, this.head));
    const purgeAt = expiry === null ? null : Math.max(expiry, this.lastPurgeAt + this.limits.purgeIntervalMs);
    const candidates = [unflushed ? now + this.limits.auditFlushDelayMs : null, nextRequestDeadline(this.sql), purgeAt].filter((t): t is number => t !== null);
    if (candidates.length > 0) await this.wakeAt(Math.max(now, Math.min(...candidates)));
  }

  // ---- members

  private async member(agentId: string): Promise<Member | null> {
    return getMember(this.sql, agentId) ?? ((await this.refreshMembers(false)) ? getMember(this.sql, agentId) : null);
  }

  /** Reloads the member list from D1; without `force`, at most once per REFRESH_INTERVAL_MS. */
  private async refreshMembers(force: boolean): Promise<boolean> {
    const now = Date.now();
    if (!force && now - this.lastMemberRefresh < REFRESH_INTERVAL_MS) return false;
    this.lastMemberRefresh = now;
    replaceMembers(this.sql, await fetchMembers(this.env.DB, this.teamId));
    return true;
  }

  private bindTeam(teamId: string, tenantId: string): void {
    if (this.teamId === teamId && this.tenantId === tenantId) return;
    if (this.teamId && this.teamId !== teamId) throw new Error(`relay of ${this.teamId} addressed as ${teamId}`);
    writeMeta(this.sql, "team_id", teamId);
    writeMeta(this.sql, "tenant_id", tenantId);
    this.teamId = teamId;
    this.tenantId = tenantId;
  }
}

