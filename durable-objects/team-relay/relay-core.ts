/**
 * Everything one team's relay knows, in one object: the SQL handle, the team's identity, and the
 * in-memory state rebuilt from SQL and the socket attachments when the object starts. It is the
 * read-only view `judge` decides from (RelayView) and what the effects change. Loading it reads
 * the team's size (members, subscriptions, open requests, cursors, sockets) and a bounded slice
 * of the log (the idempotency tail: ≤ one segment), never the whole log: a woken relay answers
 * its first frame in a few milliseconds however long its log is (docs/relay.md).
 */
import { log } from "../../workers/shared/observability/log";
import { CompiledAllowlist, type Party } from "../../workers/shared/relay/allowlist";
import type { TrustLevel } from "../../workers/shared/trust-levels";
import { loadAllowlist } from "./allowlist";
import { Connections } from "./connections";
import { Cursors } from "./cursors";
import { headSeq, nextExpiry, type StoredMessage } from "./delivery";
import { IdempotencyIndex } from "./idempotency";
import type { OpenRequest, RateCheck, RelayView } from "./judge";
import { Members, type Member } from "./members";
import { Queues } from "./queues";
import { RateLimits } from "./rate-limit";
import { OpenRequests } from "./requests";
import { readMeta } from "./schema";
import type { RelayStats } from "./sql-meter";
import { Subscriptions } from "./subscriptions";
import { RelayGovernance } from "./held";
import type { GuardrailPolicy } from "../../workers/shared/guardrails/policy";

export interface RelayLimits {
  /** Unacknowledged messages one recipient may have waiting before senders get `queue_full`. */
  queueCap: number;
  /** Open connections one agent may hold at once on this team's relay. */
  maxSocketsPerAgent: number;
  /** Deliver frames a replay sends before it waits for the agent's ack (paginated replay). */
  replayPage: number;
  /**
   * Least time between two TTL purges. A purge scans the log (it has no expiry index, to keep a
   * message at one row written); expired messages are never delivered meanwhile, so batching
   * the deletes costs nothing but a little storage.
   */
  purgeIntervalMs: number;
  /**
   * How long audit events may wait for a flush: under load batches of 100 form well within it, and
   * an idle team's events still reach the audit trail within a second. A backlog left after one
   * alarm run is flushed at once, not after this delay.
   */
  auditFlushDelayMs: number;
  /**
   * Least time between two writes of the cursors row (acks and the audit cursor, cursors.ts): a
   * quiet team — one message every few seconds — then pays one row per ~20 messages for its
   * cursors instead of two per message.
   */
  cursorPersistMs: number;
}

export const RELAY_LIMITS: RelayLimits = {
  queueCap: 10_000,
  maxSocketsPerAgent: 5,
  replayPage: 500,
  purgeIntervalMs: 60_000,
  auditFlushDelayMs: 500,
  cursorPersistMs: 60_000,
};

export class RelayCore implements RelayView {
  /** The time of the frame being judged (set per frame). */
  now = Date.now();
  /** max(seq): the seq of the latest message. */
  head: number;
  allowlist: CompiledAllowlist;
  teamId: string;
  tenantId: string;
  readonly limits: RelayLimits = { ...RELAY_LIMITS };
  /** The team's members (the relay's copy of D1's). */
  readonly roster: Members;
  readonly subscriptions: Subscriptions;
  readonly requests: OpenRequests;
  /** Requests made over RPC whose caller is waiting for the reply (agent-rpc.ts): request seq → settle(reply row, or null on timeout). In memory only: a waiting call keeps the object alive. */
  readonly replyWaiters = new Map<number, (reply: StoredMessage | null) => void>();
  readonly cursors: Cursors;
  readonly queues: Queues;
  readonly idempotency: IdempotencyIndex;
  readonly connections: Connections;
  /** Guardrail policy, supervised pairs, messages held for approval (held.ts, docs/governance.md#approvals). */
  readonly governance: RelayGovernance;
  rates = new RateLimits();
  /** When the alarm is set for (cache of getAlarm), null if none. */
  alarmAt: number | null = null;
  lastPurgeAt = 0;
  lastMemberRefresh = 0;
  private expiry: { at: number | null } | null = null;

  constructor(
    readonly ctx: DurableObjectState,
    readonly env: Env,
    readonly sql: SqlStorage,
    readonly counters: RelayStats,
  ) {
    this.head = headSeq(sql);
    this.allowlist = new CompiledAllowlist(loadAllowlist(sql));
    this.teamId = readMeta(sql, "team_id") ?? "";
    this.tenantId = readMeta(sql, "tenant_id") ?? "";
    this.roster = new Members(sql);
    this.subscriptions = new Subscriptions(sql);
    this.requests = new OpenRequests(sql);
    this.connections = new Connections(ctx);
    this.cursors = new Cursors(sql, Date.now());
    // An ack copied into a socket's attachment may be newer than the persisted row.
    for (const [agentId, seq] of this.connections.carriedAcks()) this.cursors.ack(agentId, Math.min(seq, this.head));
    this.queues = new Queues(sql, (agentId) => this.cursors.acked(agentId));
    this.idempotency = new IdempotencyIndex(sql);
    this.governance = new RelayGovernance(sql);
  }

  get guardrails(): GuardrailPolicy {
    return this.governance.guardrails;
  }

  supervised(a: string, b: string): boolean {
    return this.governance.supervised(a, b);
  }

  heldApproval(sender: string, clientId: string): string | null {
    return this.governance.heldApproval(sender, clientId);
  }

  // ---- RelayView (what judge reads)

  get queueCap(): number {
    return this.limits.queueCap;
  }

  member(agentId: string): Member | null {
    return this.roster.get(agentId);
  }

  members(): Iterable<Member> {
    return this.roster.all();
  }

  queued(agentId: string): number {
    return this.queues.length(agentId, this.now);
  }

  subscribers(topic: string): Iterable<string> {
    return this.subscriptions.subscribers(topic);
  }

  openRequest(seq: number): OpenRequest | null {
    return this.requests.get(seq);
  }

  storedSeq(sender: string, clientId: string): number | null {
    return this.idempotency.find(sender, clientId);
  }

  rate(agentId: string, trust: TrustLevel): RateCheck {
    return this.rates.check(agentId, trust, this.now);
  }

  cursor(agentId: string): number {
    return this.cursors.acked(agentId);
  }

  online(): Iterable<Party> {
    return this.connections.online();
  }

  // ---- shared helpers of the effects and the alarm

  /** The earliest expiry in the log (cached; a scan after a start or a purge). */
  nextExpiry(): number | null {
    this.expiry ??= { at: nextExpiry(this.sql, this.head) };
    return this.expiry.at;
  }

  /** Keeps the cached next expiry right as messages are stored. */
  expiresAt(at: number): void {
    if (this.expiry) this.expiry = { at: this.expiry.at === null ? at : Math.min(this.expiry.at, at) };
  }

  /** Rows left the log: caches over it are rebuilt on their next use. */
  purged(): void {
    this.expiry = null;
    this.queues.purged();
  }

  /** Asks for the alarm to run no later than `at` (one storage write when it moves the alarm earlier). */
  wakeAt(at: number): void {
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    this.counters.alarmsSet++;
    // Not awaited: the storage API orders it with the writes of this run (and the output gate holds
    // the answers until it is stored); a failure surfaces on the next event.
    this.ctx.storage.setAlarm(at).catch((err: unknown) => {
      this.alarmAt = null;
      log.error("relay setAlarm failed", { teamId: this.teamId, error: err });
    });
  }
}
