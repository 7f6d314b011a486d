/**
 * ApprovalDesk: one Durable Object per tenant (`APPROVAL_DESK.idFromName(tenantId)`), the single
 * writer of the tenant's approvals (docs/governance.md#approvals). It opens an approval when the
 * egress gate or the team relay asks, records a person's decision, lets an agent use an approved
 * egress call once, and expires what waited too long (its alarm) or what safe mode ends
 * (`expireAll`). The state machine is pure (workers/shared/approvals/transitions.ts); this class
 * applies its results: store, stage the audit event and the relay notice in the same transaction,
 * push the change to the live inbox sockets, then send the outbox (the alarm retries what failed).
 */
import { DurableObject } from "cloudflare:workers";
import { emitAuditBatch, type AuditActor, type StagedAuditEvent } from "../../workers/shared/audit/emit";
import { newId } from "../../workers/shared/crypto/ids";
import { toApproval } from "../../workers/shared/approvals/serialize";
import {
  decide,
  executed,
  expired,
  isDue,
  opened,
  use,
  type ApprovalRecord,
  type Decision,
  type NewApproval,
  type UseRefusal,
} from "../../workers/shared/approvals/transitions";
import type { Approval, ApprovalStatus } from "../../workers/shared/schemas/approvals";
import { log } from "../../workers/shared/observability/log";
import * as store from "./store";

/** After a failed send, the outbox is retried this much later. */
const OUTBOX_RETRY_MS = 5_000;
const SYSTEM: AuditActor = { type: "system", id: null, name: "approvals" };

export type DecideAnswer =
  | { ok: true; approval: Approval }
  | { ok: false; code: "not_found" }
  | { ok: false; code: "conflict"; status: ApprovalStatus };
export type UseAnswer = { ok: true; approval: Approval } | { ok: false; code: UseRefusal; approval: Approval | null };

export class ApprovalDesk extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private flushing: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    store.migrate(this.sql);
    // The dashboard's heartbeat, answered without waking the object (like the relay and the alerts feed).
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /**
   * Opens an approval, or returns the pending one for exactly the same operation (an agent that
   * retries before anyone decided does not fill the inbox with copies).
   */
  async request(input: NewApproval): Promise<{ approval: Approval; created: boolean }> {
    const now = Date.now();
    const existing = store.pendingByFingerprint(this.sql, input.fingerprint);
    if (existing && !isDue(existing, now)) return { approval: toApproval(existing), created: false };
    const record = opened(input, now);
    this.commit(record, [
      this.auditOf(record, "approval.requested", { type: "agent", id: record.agentId, name: null }, now, {
        trigger: record.trigger,
        expiresAt: new Date(record.expiresAt).toISOString(),
      }),
    ]);
    await this.afterCommit();
    return { approval: toApproval(record), created: true };
  }

  get(id: string): Approval | null {
    const a = store.load(this.sql, id);
    return a ? toApproval(a) : null;
  }

  list(status: ApprovalStatus | undefined, limit: number): Approval[] {
    return store.list(this.sql, status, limit).map(toApproval);
  }

  async decide(id: string, decision: Decision, actor: AuditActor): Promise<DecideAnswer> {
    const now = Date.now();
    const a = store.load(this.sql, id);
    if (!a) return { ok: false, code: "not_found" };
    const result = decide(a, decision, now);
    if (!result.ok) {
      if (result.expire) await this.expireRecords([result.expire], now);
      return { ok: false, code: "conflict", status: result.status };
    }
    const next = result.next;
    this.commit(
      next,
      [
        this.auditOf(next, decision.decision === "approve" ? "approval.approved" : "approval.denied", actor, now, {
          reason: decision.reason,
          decidedBy: decision.by,
        }),
      ],
      this.relayNotice(next),
    );
    await this.afterCommit();
    return { ok: true, approval: toApproval(next) };
  }

  /** An agent's egress retry: consumes the approval if it is this agent's, approved, unused, for exactly this call. */
  async use(id: string, who: { agentId: string; fingerprint: string; callId: string }): Promise<UseAnswer> {
    const now = Date.now();
    const result = use(store.load(this.sql, id), who, now);
    if (!result.ok) {
      if (result.expire) await this.expireRecords([result.expire], now);
      return { ok: false, code: result.code, approval: result.record ? toApproval(result.expire ?? result.record) : null };
    }
    this.commit(result.next, [
      this.auditOf(result.next, "approval.executed", { type: "agent", id: who.agentId, name: null }, now, { callId: who.callId }),
    ]);
    await this.afterCommit();
    return { ok: true, approval: toApproval(result.next) };
  }

  /** The relay delivered a held message after its approval. */
  async delivered(id: string, seq: number): Promise<void> {
    const now = Date.now();
    const a = store.load(this.sql, id);
    if (!a || a.status !== "approved") return;
    const next = executed(a, now);
    this.commit(next, [this.auditOf(next, "approval.executed", SYSTEM, now, { seq })]);
    // Not awaited: this call can arrive while a flush waits on the relay (the flush's loop sends this row too).
    this.ctx.waitUntil(this.afterCommit());
  }

  /**
   * Ends every open approval of the tenant (or of one team) with a reason: pending ones and approved
   * egress calls not yet used. For safe mode (workers/api/src/services/approvals.ts). Returns how many.
   */
  async expireAll(options: { teamId?: string; reason: string; actor?: AuditActor }): Promise<number> {
    const now = Date.now();
    const open = store.open(this.sql, options.teamId);
    await this.expireRecords(
      open.map((a) => expired(a, options.reason, now, options.actor?.id ?? "system")),
      now,
      options.actor,
    );
    return open.length;
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    const due = store.due(this.sql, now);
    if (due.length > 0)
      await this.expireRecords(
        due.map((a) => expired(a, a.status === "approved" ? "not used in time" : "no decision in time", now)),
        now,
      );
    else await this.afterCommit();
  }

  // ---- the live inbox (GET /v1/tenants/{tenantId}/approvals/live, forwarded here by the API)

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket", { status: 426 });
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1]);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override webSocketMessage(ws: WebSocket, _message: string | ArrayBuffer): void {
    ws.send(JSON.stringify({ type: "error", code: "invalid_frame", message: "This feed is read-only: send `ping` or nothing." }));
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "closed");
    } catch {
      // already closed
    }
  }

  // ---- effects

  private async expireRecords(records: ApprovalRecord[], now: number, actor: AuditActor = SYSTEM): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      for (const r of records) this.commit(r, [this.auditOf(r, "approval.expired", actor, now, { reason: r.reason })], this.relayNotice(r));
    });
    await this.afterCommit();
  }

  /** Store one record with its audit events and relay notice (one transaction when called alone). */
  private commit(record: ApprovalRecord, events: StagedAuditEvent[], notice: store.RelayNotice | null = null): void {
    this.ctx.storage.transactionSync(() => {
      store.save(this.sql, record);
      for (const event of events) store.enqueue(this.sql, { kind: "audit", event });
      if (notice) store.enqueue(this.sql, { kind: "relay", notice });
    });
    this.broadcast(record);
  }

  private relayNotice(a: ApprovalRecord): store.RelayNotice | null {
    if (a.kind === "egress_call" || !a.teamId || (a.status !== "approved" && a.status !== "denied" && a.status !== "expired")) return null;
    return { teamId: a.teamId, approvalId: a.id, status: a.status, reason: a.reason, decidedBy: a.decidedBy };
  }

  private broadcast(a: ApprovalRecord): void {
    const sockets = this.ctx.getWebSockets();
    if (sockets.length === 0) return;
    const text = JSON.stringify({ type: "approval", approval: toApproval(a) });
    for (const ws of sockets) {
      try {
        ws.send(text);
      } catch {
        // a closing socket: its close handler cleans up
      }
    }
  }

  private auditOf(a: ApprovalRecord, action: string, actor: AuditActor, now: number, extra: Record<string, unknown>): StagedAuditEvent {
    return {
      id: newId("audit", now),
      at: now,
      tenantId: a.tenantId,
      actor,
      action,
      target: { type: "approval", id: a.id },
      outcome: action === "approval.denied" || action === "approval.expired" ? "denied" : "success",
      severity: action === "approval.requested" ? "warning" : "info",
      details: { kind: a.kind, agentId: a.agentId, teamId: a.teamId, summary: a.summary, digest: a.subject.digest, ...extra },
      ip: null,
      userAgent: null,
    };
  }

  /** Sends the outbox (serialised: two sends of the same rows would audit twice), then sets the alarm. */
  private afterCommit(): Promise<void> {
    const run = () => this.flush();
    this.flushing = this.flushing.then(run, run);
    return this.flushing;
  }

  private async flush(): Promise<void> {
    let failed = false;
    for (;;) {
      const batch = store.outbox(this.sql);
      if (batch.length === 0) break;
      const audits = batch.filter((b) => b.item.kind === "audit");
      try {
        if (audits.length > 0)
          await emitAuditBatch(
            this.env,
            audits.map((b) => (b.item as { event: StagedAuditEvent }).event),
          );
        store.done(
          this.sql,
          audits.map((b) => b.seq),
        );
        for (const b of batch) {
          if (b.item.kind !== "relay") continue;
          const n = b.item.notice;
          await this.env.TEAM_RELAY.get(this.env.TEAM_RELAY.idFromName(n.teamId)).approvalDecided(n);
          store.done(this.sql, [b.seq]);
        }
      } catch (err) {
        log.warn("approval outbox send failed", { err: String(err) });
        failed = true;
        break;
      }
    }
    const next = store.nextExpiry(this.sql);
    const retry = failed ? Date.now() + OUTBOX_RETRY_MS : null;
    const at = [next, retry].filter((t): t is number => t !== null);
    if (at.length > 0) await this.ctx.storage.setAlarm(Math.min(...at));
    else await this.ctx.storage.deleteAlarm();
  }
}
