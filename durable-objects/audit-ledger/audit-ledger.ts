/**
 * AuditLedger: one Durable Object per audit chain (`idFromName(chainId)`, chainId = tenant id or
 * PLATFORM_CHAIN_ID), the only writer of that chain AND the store of its hot window. `append`
 * commits a batch as one hash-chained block synchronously (append.ts: duplicate check, gapless
 * seqs, Merkle root, block hash, inserts — one transaction) and acknowledges once it is durable.
 * Reads (the filtered list, one entry, links for verify/export/archives) are answered from the
 * object's segments (storage/segments.ts), or from the store objects old segments were moved to
 * when the chain outgrew one object (stores.ts). Expiry drops whole segments.
 *
 * The same class, named `<chainId>/segment/<k>`, is a segment store: only the `store*` methods are
 * used on it. The class only wires calls to the modules beside it; design in docs/audit.md.
 */
import { DurableObject } from "cloudflare:workers";
import type { LedgerEntry } from "../../workers/shared/audit/chain";
import { chainIdFor } from "../../workers/shared/audit/event";
import type { EntryFilter } from "../../workers/shared/audit/filter";
import {
  alertsAlarm,
  alertsWantCatchUp,
  alertsWebSocketClose,
  alertsWebSocketMessage,
  handleAlertsFetch,
  hasStagedAlerts,
  onEntriesAppended,
} from "./alerts-hook";
import { planAppend, type AppendInput } from "./append";
import { localSegment, remoteSegment, storeStub, type SegmentReader } from "./segment-reader";
import { readHead, readMeta, writeHead, writeMeta, type ChainHead } from "./storage/meta";
import { dropLegacyEntries, legacySeqsOfIds, migrate } from "./storage/migrate";
import {
  entryAt,
  findIds,
  firstSeqAtOrAfter,
  lastLinkBefore,
  lastSeqBefore,
  linkOf,
  listInSegment,
  type ListRequest,
} from "./storage/read";
import {
  blocksFrom,
  dropSegmentTables,
  insertBlock,
  markSegmentDropped,
  openSegmentRow,
  sealSegmentRow,
  segmentFigures,
  segments,
  type BlockWithPayload,
  type SegmentRow,
} from "./storage/segments";
import { ledgerMeter, type LedgerStats } from "./sql-meter";
import { quarantineStrays, strayLinks } from "./strays";
import { importLinks, LOCAL_BYTES_BUDGET, moveOneSegment, storeFigures } from "./stores";
import { matchExpression } from "./terms";
import { log } from "../../workers/shared/observability/log";

/** A segment is sealed (and the next one opened) at this size… */
export const SEGMENT_MAX_BYTES = 1_000_000_000;
/** …or this age, so the hot window is dropped in pieces of at most a week. */
export const SEGMENT_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;
/** How soon after a commit the alarm re-checks the alerts hook (entries it may never have seen). */
export const ALERTS_CATCH_UP_MS = 5_000;
const RETRY_MS = 5_000;
const RETRY_MAX_MS = 5 * 60_000;

export interface AppendAck {
  /** The seq of each input event, in input order; a retried event answers the seq it already had. */
  seqs: number[];
  /** How many entries this call added (0 for a fully retried batch). */
  appended: number;
  headSeq: number;
  headHash: string;
}

export interface LedgerHead {
  chainId: string | null;
  headSeq: number;
  /** The hash of the chain's last link (block or v1 entry). */
  headHash: string;
  /** Seqs up to this one are read from D1's legacy `audit_events` (0: none). */
  legacyTop: number;
  /** The oldest seq the ledger itself still holds (null: none, e.g. all expired). */
  oldestSeq: number | null;
  /** The earliest event time among the entries the ledger holds (null: none). */
  oldestAt: number | null;
}

export interface ListPage {
  entries: LedgerEntry[];
  /** No older matching entry in the ledger (the caller may continue in the legacy D1 range). */
  exhausted: boolean;
  legacyTop: number;
}

/** A stored link (block or v1 entry) with its gzip JSONL payload, for verify, export and archives. */
export type StoredLink = BlockWithPayload;

interface Segment extends SegmentRow {
  /** Running figures of the open segment (the directory row is written only when it is sealed). */
  live: boolean;
}

export class AuditLedger extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly meter = ledgerMeter();
  private head: ChainHead = { seq: 0, hash: "" };
  private chainId: string | null = null;
  private legacyTop = 0;
  private segs: Segment[] = [];
  private maxK = 0;
  private actions = new Set<string>();
  private alarmAt: number | null = null;
  private retries = 0;
  /** The alerts hook sees appends one at a time, in chain order. */
  private hookQueue: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = this.meter.wrap(ctx.storage.sql);
    void ctx.blockConcurrencyWhile(async () => {
      migrate(this.sql, Date.now());
      this.load();
      this.alarmAt = await ctx.storage.getAlarm();
      const dropAt = readMeta(this.sql, "legacy_entries_drop_at");
      if (dropAt !== null) await this.scheduleAlarm(Number(dropAt));
    });
  }

  // ------------------------------------------------------------------ writing

  /**
   * Appends events (one chain's, in order) atomically, as one block; idempotent by event id (ids
   * already in the current or previous segment answer their seq). `fresh`: the ids were just made
   * by the caller (emitAudit), so the duplicate check is skipped.
   */
  async append(events: AppendInput[], options: { fresh?: boolean } = {}): Promise<AppendAck> {
    if (events.length === 0) return this.ack([], 0);
    const chainId = chainIdFor(events[0]!);
    const now = Date.now();
    let plan;
    try {
      plan = this.ctx.storage.transactionSync(() => this.commit(chainId, events, options.fresh === true, now));
    } catch (error) {
      this.load(); // nothing was written: drop whatever the failed run changed in memory
      throw error;
    }
    const appended = plan.links.flatMap((l) => l.entries);
    this.meter.counters.appends++;
    this.meter.counters.entriesAppended += appended.length;
    this.meter.counters.blocksWritten += plan.links.length;
    if (appended.length > 0) await this.runHook(chainId, appended);
    return this.ack(plan.seqs, appended.length);
  }

  /** The synchronous part of an append (inside transactionSync): nothing can interleave with it. */
  private commit(chainId: string, events: AppendInput[], fresh: boolean, now: number) {
    if (this.chainId === null) {
      writeMeta(this.sql, "chain_id", chainId);
      this.chainId = chainId;
    } else if (this.chainId !== chainId) {
      throw new Error(`audit ledger ${this.chainId} cannot take events of chain ${chainId}`);
    }
    const plan = planAppend(chainId, this.head, events, fresh ? new Map() : this.existingSeqs(events), now);
    if (plan.links.length === 0) return plan;
    const seg = this.segmentForWrite(now);
    quarantineStrays(this.sql, seg.k, this.head.seq, now);
    for (const link of plan.links) {
      insertBlock(this.sql, seg.k, link.row, link.payload, link.terms);
      seg.to_seq = link.row.to_seq;
      seg.at_min = Math.min(seg.at_min ?? Infinity, link.row.at_min);
      seg.at_max = Math.max(seg.at_max ?? -Infinity, link.row.at_max);
      seg.bytes = (seg.bytes ?? 0) + link.row.bytes;
      seg.entries = (seg.entries ?? 0) + link.entries.length;
      for (const e of link.entries) {
        if (this.actions.has(e.action)) continue;
        this.sql.exec("INSERT OR IGNORE INTO ledger_actions (action) VALUES (?)", e.action);
        this.actions.add(e.action);
      }
    }
    writeHead(this.sql, plan.head);
    this.head = plan.head;
    // Same synchronous run as the inserts, so the alarm is stored with them (write coalescing).
    if (alertsWantCatchUp(this.ctx)) void this.scheduleAlarm(now + ALERTS_CATCH_UP_MS);
    return plan;
  }

  /** The open segment, sealing it first when it is too big or too old, and opening one if needed. */
  private segmentForWrite(now: number): Segment {
    let open = this.segs.at(-1);
    if (open && open.live && ((open.bytes ?? 0) >= SEGMENT_MAX_BYTES || now - open.opened_at >= SEGMENT_MAX_AGE_MS)) {
      sealSegmentRow(this.sql, open.k, now, segmentFigures(this.sql, open.k));
      open.live = false;
      open.sealed_at = now;
      // Let the alarm consider moving old segments out (only matters near the storage budget).
      void this.scheduleAlarm(now + 1_000);
    }
    if (!open || !open.live) {
      const k = this.maxK + 1;
      openSegmentRow(this.sql, k, this.head.seq + 1, now);
      this.maxK = k;
      open = {
        k,
        from_seq: this.head.seq + 1,
        opened_at: now,
        sealed_at: null,
        to_seq: null,
        at_min: null,
        at_max: null,
        bytes: 0,
        entries: 0,
        store: null,
        dropped_at: null,
        live: true,
      };
      this.segs.push(open);
    }
    return open;
  }

  /** Seqs already assigned to these ids: in the two newest local segments, and the v1 table during its grace day. */
  private existingSeqs(events: readonly AppendInput[]): Map<string, number> {
    const ids = [...new Set(events.map((e) => ("id" in e && typeof e.id === "string" ? e.id : "")).filter(Boolean))];
    const found = new Map<string, number>();
    if (ids.length === 0) return found;
    for (const seg of this.segs.slice(-2)) {
      if (seg.store !== null) continue;
      for (let i = 0; i < ids.length; i += 100) for (const [id, seq] of findIds(this.sql, seg.k, ids.slice(i, i + 100))) found.set(id, seq);
    }
    for (const [id, seq] of legacySeqsOfIds(this.sql, ids)) found.set(id, seq);
    return found;
  }

  // ------------------------------------------------------------------ reading (the audit API)

  async currentHead(): Promise<LedgerHead> {
    const ats = this.segs.map((s) => s.at_min).filter((a): a is number => a !== null);
    return {
      chainId: this.chainId,
      headSeq: this.head.seq,
      headHash: this.head.hash,
      legacyTop: this.legacyTop,
      oldestSeq: this.segs[0]?.from_seq ?? null,
      oldestAt: ats.length ? Math.min(...ats) : null,
    };
  }

  /** Matching entries, newest first, with seq below `beforeSeq` (null: from the head). */
  async list(filter: EntryFilter, beforeSeq: number | null, want: number): Promise<ListPage> {
    const actions = filter.q !== undefined ? [...this.actions].filter((a) => a.toLowerCase().includes(filter.q!.toLowerCase())) : null;
    const match = matchExpression(filter, actions);
    if (match === "none") return { entries: [], exhausted: true, legacyTop: this.legacyTop };
    const before = beforeSeq ?? Infinity;
    const out: LedgerEntry[] = [];
    for (const seg of [...this.segs].reverse()) {
      if (seg.from_seq >= before) continue;
      if (seg.at_max !== null && filter.fromMs !== undefined && seg.at_max < filter.fromMs) continue;
      if (seg.at_min !== null && filter.toMs !== undefined && seg.at_min >= filter.toMs) continue;
      const req: ListRequest = { filter, match, beforeSeq: before, want: want - out.length };
      const page = await this.reader(seg).list(req);
      out.push(...page.entries);
      if (out.length >= want) return { entries: out, exhausted: false, legacyTop: this.legacyTop };
    }
    return { entries: out, exhausted: true, legacyTop: this.legacyTop };
  }

  async get(seq: number): Promise<LedgerEntry | null> {
    const seg = this.segmentOf(seq);
    return seg ? this.reader(seg).get(seq) : null;
  }

  /**
   * Stored links in seq order from the one holding afterSeq + 1, up to the one holding toSeq,
   * until about `maxBytes` of payload (at least one link). Verify, export and the archiver read
   * the chain through this; the payload lines are the export/archive lines.
   */
  async links(afterSeq: number, toSeq: number, maxBytes = 4_000_000): Promise<StoredLink[]> {
    const out: StoredLink[] = [];
    let bytes = 0;
    let after = afterSeq;
    for (const seg of this.segs) {
      const segTo = seg.to_seq ?? this.head.seq;
      if (segTo <= after) continue;
      if (seg.from_seq > toSeq) break;
      while (after < Math.min(segTo, toSeq) && bytes < maxBytes) {
        const page = await this.reader(seg).links(after, toSeq, maxBytes - bytes);
        if (page.length === 0) break;
        for (const link of page) {
          out.push(link);
          bytes += link.payload.byteLength;
          after = link.to_seq;
        }
      }
      if (bytes >= maxBytes || after >= toSeq) break;
    }
    return out;
  }

  /**
   * Links stored past the head (none, unless someone wrote to the object's storage directly): what
   * verify reports as `unexpected_entry`. Reads the local segments' tables, not the in-memory head.
   */
  async strayLinks(): Promise<Array<{ fromSeq: number; hash: string }>> {
    return strayLinks(
      this.sql,
      this.segs.filter((s) => s.store === null).map((s) => s.k),
      this.head.seq,
    );
  }

  /** The link (seq range) holding `seq`, if the ledger holds it. */
  async linkOf(seq: number): Promise<{ fromSeq: number; toSeq: number } | null> {
    const seg = this.segmentOf(seq);
    return seg ? this.reader(seg).linkOf(seq) : null;
  }

  /** First seq at or after `fromMs` and last seq before `toMs`, among the entries the ledger holds. */
  async seqRangeForTimes(fromMs: number | undefined, toMs: number | undefined): Promise<{ min: number | null; max: number | null }> {
    if (this.segs.length === 0) return { min: null, max: null };
    let min: number | null = fromMs === undefined ? this.segs[0]!.from_seq : null;
    for (const seg of this.segs) {
      if (min !== null) break;
      if (seg.at_max === null || seg.at_max >= fromMs!) min = await this.reader(seg).firstSeqAtOrAfter(fromMs!);
    }
    let max: number | null = toMs === undefined ? this.head.seq : null;
    for (const seg of [...this.segs].reverse()) {
      if (max !== null) break;
      if (seg.at_min === null || seg.at_min < toMs!) max = await this.reader(seg).lastSeqBefore(toMs!);
    }
    return { min, max };
  }

  /** The archiver's day cut: the end of the last link after `afterSeq` whose events all happened before `beforeMs`. */
  async lastLinkBefore(afterSeq: number, beforeMs: number): Promise<number | null> {
    let best: number | null = null;
    for (const seg of this.segs) {
      if ((seg.to_seq ?? this.head.seq) <= afterSeq) continue;
      if (seg.at_min !== null && seg.at_min >= beforeMs && !seg.live) continue;
      const cut = await this.reader(seg).lastLinkBefore(afterSeq, beforeMs);
      if (cut !== null) best = Math.max(best ?? 0, cut);
    }
    return best;
  }

  /**
   * The hot window: drops the oldest segments whose entries are all archived (seq <= archivedSeq)
   * and all happened before `beforeMs`; stops at the first that must stay. Returns what went.
   */
  async expire(archivedSeq: number, beforeMs: number): Promise<{ segments: number; entries: number; throughSeq: number | null }> {
    let dropped = 0;
    let entries = 0;
    let throughSeq: number | null = null;
    while (this.segs.length > 0) {
      const seg = this.segs[0]!;
      const toSeq = seg.live ? this.head.seq : seg.to_seq!;
      const atMax = seg.at_max ?? -Infinity;
      if (toSeq > archivedSeq || atMax >= beforeMs) break;
      if (seg.store !== null) await storeStub(this.env, seg.store).storeDrop();
      const now = Date.now();
      this.ctx.storage.transactionSync(() => {
        if (seg.live) sealSegmentRow(this.sql, seg.k, now, segmentFigures(this.sql, seg.k));
        if (seg.store === null) dropSegmentTables(this.sql, seg.k);
        markSegmentDropped(this.sql, seg.k, now);
      });
      this.segs.shift();
      dropped++;
      entries += toSeq - seg.from_seq + 1;
      throughSeq = toSeq;
    }
    return { segments: dropped, entries, throughSeq };
  }

  /** Seals the open segment now (operators and tests; appends seal by size and age on their own). */
  async sealOpenSegment(): Promise<number | null> {
    const open = this.segs.at(-1);
    if (!open || !open.live) return null;
    const now = Date.now();
    this.ctx.storage.transactionSync(() => sealSegmentRow(this.sql, open.k, now, segmentFigures(this.sql, open.k)));
    this.load();
    return open.k;
  }

  /** Moves old segments out while the database is over `budgetBytes` (the alarm does this with LOCAL_BYTES_BUDGET). */
  async moveSegments(budgetBytes = LOCAL_BYTES_BUDGET): Promise<number[]> {
    const moved: number[] = [];
    if (this.chainId === null) return moved;
    for (;;) {
      const seg = await moveOneSegment(this.ctx, this.env, this.chainId, this.segs, budgetBytes);
      if (!seg) break;
      moved.push(seg.k);
      this.load();
    }
    return moved;
  }

  /** Counters since this instance started: rows written/read as billed, alarms set, appends (benchmarks, cost tests). */
  async stats(): Promise<LedgerStats> {
    return this.meter.snapshot();
  }

  /** Where the ledger's storage stands (operators, benchmarks). */
  async storageFigures(): Promise<{
    databaseBytes: number;
    payloadBytes: number;
    segments: Array<Pick<SegmentRow, "k" | "from_seq" | "to_seq" | "store" | "bytes"> & { live: boolean }>;
  }> {
    return {
      databaseBytes: this.sql.databaseSize,
      // The stored gzip payloads: also what the archives of these entries will weigh in R2.
      payloadBytes: this.segs.reduce((n, s) => n + (s.bytes ?? 0), 0),
      segments: this.segs.map((s) => ({
        k: s.k,
        from_seq: s.from_seq,
        to_seq: s.to_seq ?? this.head.seq,
        store: s.store,
        bytes: s.bytes,
        live: s.live,
      })),
    };
  }

  // ------------------------------------------------------------------ as a segment store

  async storeImport(chainId: string, k: number, links: StoredLink[]): Promise<number> {
    if (readMeta(this.sql, "store_of") === null) writeMeta(this.sql, "store_of", JSON.stringify({ chainId, k }));
    return this.ctx.storage.transactionSync(() => importLinks(this.sql, k, links));
  }

  async storeFigures(k: number) {
    return storeFigures(this.sql, k);
  }

  async storeList(k: number, req: ListRequest) {
    return listInSegment(this.sql, k, req);
  }

  async storeGet(k: number, seq: number) {
    return entryAt(this.sql, k, seq);
  }

  async storeLinks(k: number, afterSeq: number, toSeq: number, maxBytes: number) {
    return blocksFrom(this.sql, k, afterSeq, toSeq, maxBytes);
  }

  async storeLastLinkBefore(k: number, afterSeq: number, beforeMs: number) {
    return lastLinkBefore(this.sql, k, afterSeq, beforeMs);
  }

  async storeFirstSeqAtOrAfter(k: number, ms: number) {
    return firstSeqAtOrAfter(this.sql, k, ms);
  }

  async storeLastSeqBefore(k: number, ms: number) {
    return lastSeqBefore(this.sql, k, ms);
  }

  async storeLinkOf(k: number, seq: number) {
    return linkOf(this.sql, k, seq);
  }

  /** Expiry of a moved segment: the store's whole storage goes. */
  async storeDrop(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  // ------------------------------------------------------------------ the alarm

  /**
   * The alerts capability's catch-up and retries (`alertsAlarm`), the end of the v1 table's grace
   * day, and moving old segments out when the database is over budget.
   */
  override async alarm(): Promise<void> {
    this.alarmAt = null;
    const now = Date.now();
    let next: number | null = null;
    await alertsAlarm(this.ctx, this.env); // never throws
    if (hasStagedAlerts(this.ctx)) next = now + Math.min(RETRY_MS * 2 ** this.retries++, RETRY_MAX_MS);
    else this.retries = 0;
    const dropAt = dropLegacyEntries(this.sql, now);
    if (dropAt !== null) next = Math.min(next ?? Infinity, dropAt);
    try {
      await this.moveSegments();
    } catch (error) {
      log.error("audit ledger: moving a segment failed; the alarm retries", { chainId: this.chainId, error });
      next = Math.min(next ?? Infinity, now + 60_000);
    }
    if (next !== null) await this.scheduleAlarm(next);
  }

  // ------------------------------------------------------------------ the alerts capability's live inbox (alerts-hook.ts)

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

  // ------------------------------------------------------------------ internals

  /** In-memory state from storage (the constructor, and after a failed or structural change). */
  private load(): void {
    this.head = readHead(this.sql);
    this.chainId = readMeta(this.sql, "chain_id");
    this.legacyTop = Number(readMeta(this.sql, "legacy_top") ?? 0);
    this.actions = new Set(
      this.sql
        .exec<{ action: string }>("SELECT action FROM ledger_actions")
        .toArray()
        .map((r) => r.action),
    );
    this.maxK = this.sql.exec<{ k: number | null }>("SELECT max(k) AS k FROM ledger_segments").one().k ?? 0;
    this.segs = segments(this.sql).map((row) => {
      if (row.sealed_at !== null) return { ...row, live: false };
      const f = segmentFigures(this.sql, row.k);
      return { ...row, to_seq: f.toSeq, at_min: f.atMin, at_max: f.atMax, bytes: f.bytes, entries: f.entries, live: true };
    });
  }

  private segmentOf(seq: number): Segment | null {
    if (seq < 1 || seq > this.head.seq) return null;
    for (const seg of this.segs) if (seg.from_seq <= seq && seq <= (seg.to_seq ?? this.head.seq)) return seg;
    return null;
  }

  private reader(seg: Segment): SegmentReader {
    return seg.store === null ? localSegment(this.sql, seg.k) : remoteSegment(this.env, seg.store, seg.k);
  }

  private ack(seqs: number[], appended: number): AppendAck {
    return { seqs, appended, headSeq: this.head.seq, headHash: this.head.hash };
  }

  /** Sets the alarm to `at` unless one is already due sooner. */
  private scheduleAlarm(at: number): Promise<void> {
    if (this.alarmAt !== null && this.alarmAt <= at) return Promise.resolve();
    this.alarmAt = at;
    this.meter.counters.alarmsSet++;
    return this.ctx.storage.setAlarm(at);
  }

  private runHook(chainId: string, entries: LedgerEntry[]): Promise<void> {
    const run = this.hookQueue.then(() =>
      onEntriesAppended(this.ctx, this.env, chainId, entries).catch((error: unknown) => {
        log.error("audit ledger: alerts hook failed", { chainId, error });
      }),
    );
    this.hookQueue = run;
    return run;
  }
}
