/**
 * AuditLedger: one Durable Object per audit chain (`idFromName(chainId)`, chainId = tenant id or
 * PLATFORM_CHAIN_ID), the only writer of that chain. `append` commits a batch synchronously
 * (append.ts: dedupe by event id, gapless seq, prevHash, hash, insert — one transaction) and then,
 * before acknowledging, mirrors to D1 (mirror.ts) and runs the alerts hook. If the D1 mirror fails
 * the append is still acknowledged — the entries are durable here — and the alarm retries until
 * D1 has them. The class only wires events to the modules beside it; design in docs/audit.md.
 */
import { DurableObject } from "cloudflare:workers";
import { alertsAlarm, alertsWebSocketClose, alertsWebSocketMessage, handleAlertsFetch, hasStagedAlerts, onEntriesAppended } from "./alerts-hook";
import { appendSync, chainIdOf, type AppendInput, type AppendResult } from "./append";
import { D1Mirror } from "./mirror";
import { nextPruneAt, PRUNE_BATCH, pruneMirrored } from "./retention";
import { hashesBetween, migrate, readHead, readMeta, writeMeta, type ChainHead } from "./storage";
import type { LedgerEntry } from "../../workers/shared/audit/chain";

/** How soon the alarm retries a mirror that did not happen inline (and the longest it backs off to). */
export const MIRROR_RETRY_MS = 5_000;
const MIRROR_RETRY_MAX_MS = 5 * 60_000;
const RETAINED_HASHES_PAGE = 1_000;

export interface AppendAck {
  /** The seq of each input event, in input order; a retried event answers the seq it already had. */
  seqs: number[];
  /** How many entries this call added (0 for a fully retried batch). */
  appended: number;
  headSeq: number;
  headHash: string;
  /** True when D1 already holds every entry up to `headSeq` at the time of the ack. */
  mirrored: boolean;
}

export interface LedgerHead {
  chainId: string | null;
  headSeq: number;
  headHash: string;
  mirroredSeq: number;
}

export class AuditLedger extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** Set in the constructor's blockConcurrencyWhile, after the migration; no call runs before. */
  private mirror!: D1Mirror;
  private head: ChainHead = { seq: 0, hash: "" };
  private chainId: string | null = null;
  private alarmAt: number | null = null;
  private mirrorFailures = 0;
  private alertRetries = 0;
  /** The alerts hook sees appends one at a time, in chain order. */
  private hookQueue: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => {
      migrate(this.sql);
      this.mirror = new D1Mirror(this.sql, env.DB);
      this.head = readHead(this.sql);
      this.chainId = readMeta(this.sql, "chain_id");
      this.alarmAt = await ctx.storage.getAlarm();
      // Entries committed but not yet in D1 (e.g. evicted right after a commit): make sure the alarm will mirror them.
      if (this.mirror.mirroredSeq < this.head.seq) await this.scheduleAlarm(Date.now());
    });
  }

  /**
   * Appends events (one tenant's, in order) atomically; idempotent by event id.
   *
   * `awaitMirror` (default true): acknowledge only once D1 has the entries too, so a request that
   * emitted an event can read it back at once. Batch emitters that staged their events durably and
   * never read them back (the relay's audit flush) pass false: they are acknowledged as soon as the
   * chain has committed — the entries are durable here, and the mirror follows at once, coalesced
   * with the next batches (or from the alarm, already set by the commit, if it fails). That keeps a
   * D1 round trip per batch off the relay's flush loop.
   */
  async append(events: AppendInput[], options: { awaitMirror?: boolean } = {}): Promise<AppendAck> {
    if (events.length === 0) return this.ack([], 0);
    const chainId = chainIdOf(events[0]!);
    const { result, alarmScheduled } = this.commit(chainId, events);
    const maxSeq = Math.max(...result.seqs);
    const mirroring = this.mirror.upTo(maxSeq).then(
      () => true,
      (error: unknown) => {
        console.error(`audit ledger ${chainId}: D1 mirror failed, the alarm retries`, error);
        return false;
      },
    );
    const mirrored = options.awaitMirror === false ? (this.ctx.waitUntil(mirroring), this.mirror.mirroredSeq >= maxSeq) : await mirroring;
    await alarmScheduled;
    if (result.appended.length > 0) await this.runHook(chainId, result.appended);
    return { ...this.ack(result.seqs, result.appended.length), mirrored };
  }

  /** Mirrors whatever D1 lacks (best effort) and answers the head: what verify anchors on. */
  async syncMirror(): Promise<LedgerHead> {
    try {
      await this.mirror.upTo(this.head.seq);
    } catch (error) {
      console.error(`audit ledger ${this.chainId}: D1 mirror failed`, error);
    }
    return this.currentHead();
  }

  async currentHead(): Promise<LedgerHead> {
    return { chainId: this.chainId, headSeq: this.head.seq, headHash: this.head.hash, mirroredSeq: this.mirror.mirroredSeq };
  }

  /** The ledger's own hashes for [fromSeq, toSeq] that it still retains (a page of at most 1,000). */
  async retainedHashes(fromSeq: number, toSeq: number): Promise<{ seq: number; hash: string }[]> {
    return hashesBetween(this.sql, fromSeq, toSeq, RETAINED_HASHES_PAGE);
  }

  /**
   * Mirror retries (with backoff), the alerts capability's catch-up and retries (`alertsAlarm`),
   * then pruning. Set within 5 s of every commit (`commit`), and for the next prune otherwise.
   */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const backoff = (failures: number) => Date.now() + Math.min(MIRROR_RETRY_MS * 2 ** failures, MIRROR_RETRY_MAX_MS);
    let retryAt: number | null = null;
    let mirrored = false;
    try {
      await this.mirror.upTo(this.head.seq);
      this.mirrorFailures = 0;
      mirrored = true;
    } catch (error) {
      this.mirrorFailures++;
      console.error(`audit ledger ${this.chainId}: D1 mirror retry ${this.mirrorFailures} failed`, error);
      retryAt = backoff(this.mirrorFailures);
    }
    this.mirror.persistCursor();

    await alertsAlarm(this.ctx, this.env); // never throws
    if (hasStagedAlerts(this.ctx)) {
      this.alertRetries++;
      retryAt = Math.min(retryAt ?? Infinity, backoff(this.alertRetries));
    } else {
      this.alertRetries = 0;
    }

    let next = retryAt;
    if (mirrored) {
      const now = Date.now();
      const pruned = pruneMirrored(this.sql, this.mirror.mirroredSeq, this.head.seq, now);
      const pruneAt = pruned >= PRUNE_BATCH ? now + 1_000 : nextPruneAt(this.sql, this.head.seq);
      if (pruneAt !== null) next = Math.min(next ?? Infinity, pruneAt);
    }
    if (next !== null) await this.scheduleAlarm(next);
  }

  // ---- the alerts capability's live inbox (alerts-hook.ts); the ledger itself is RPC only

  override async fetch(request: Request): Promise<Response> {
    return handleAlertsFetch(this.ctx, this.env, request);
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    await alertsWebSocketMessage(this.ctx, this.env, ws, message);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string, wasClean: boolean): Promise<void> {
    await alertsWebSocketClose(this.ctx, this.env, ws, code, reason, wasClean);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    await alertsWebSocketClose(this.ctx, this.env, ws, 1011, String(error), false);
  }

  // ----

  /**
   * The synchronous part of an append: nothing can interleave with it. Separate from `append` so
   * tests can stop right after the commit (as an eviction would) and check what survives.
   */
  private commit(chainId: string, events: AppendInput[]): { result: AppendResult; alarmScheduled: Promise<void> } {
    const result = this.ctx.storage.transactionSync(() => {
      if (this.chainId === null) writeMeta(this.sql, "chain_id", chainId);
      else if (this.chainId !== chainId) throw new Error(`audit ledger ${this.chainId} cannot take events of chain ${chainId}`);
      this.mirror.persistCursor();
      return appendSync(this.sql, chainId, this.head, events, Date.now());
    });
    this.chainId = chainId;
    this.head = result.head;
    // Same synchronous run as the commit, so the alarm is stored with the entries (write coalescing).
    const alarmScheduled = result.appended.length > 0 ? this.scheduleAlarm(Date.now() + MIRROR_RETRY_MS) : Promise.resolve();
    return { result, alarmScheduled };
  }

  private ack(seqs: number[], appended: number): AppendAck {
    return { seqs, appended, headSeq: this.head.seq, headHash: this.head.hash, mirrored: this.mirror.mirroredSeq >= this.head.seq };
  }

  /** Sets the alarm to `at` unless one is already due sooner. */
  private scheduleAlarm(at: number): Promise<void> {
    if (this.alarmAt !== null && this.alarmAt <= at) return Promise.resolve();
    this.alarmAt = at;
    return this.ctx.storage.setAlarm(at);
  }

  private runHook(chainId: string, entries: LedgerEntry[]): Promise<void> {
    const run = this.hookQueue.then(() =>
      onEntriesAppended(this.ctx, this.env, chainId, entries).catch((error: unknown) => {
        console.error(`audit ledger ${chainId}: alerts hook failed`, error);
      }),
    );
    this.hookQueue = run;
    return run;
  }
}
