/**
 * One interface over a segment, wherever its tables are: in the root object (local SQL) or in a
 * store object it was moved to (RPC to that object, which runs the same functions on its SQL).
 */
import type { LedgerEntry } from "../../workers/shared/audit/chain";
import type { AuditLedger } from "./audit-ledger";
import { entryAt, firstSeqAtOrAfter, lastLinkBefore, lastSeqBefore, linkOf, listInSegment, type ListRequest } from "./storage/read";
import { blocksFrom, type BlockWithPayload } from "./storage/segments";

export interface SegmentReader {
  list(req: ListRequest): Promise<{ entries: LedgerEntry[]; exhausted: boolean }>;
  get(seq: number): Promise<LedgerEntry | null>;
  links(afterSeq: number, toSeq: number, maxBytes: number): Promise<BlockWithPayload[]>;
  lastLinkBefore(afterSeq: number, beforeMs: number): Promise<number | null>;
  firstSeqAtOrAfter(ms: number): Promise<number | null>;
  lastSeqBefore(ms: number): Promise<number | null>;
  linkOf(seq: number): Promise<{ fromSeq: number; toSeq: number } | null>;
}

export function localSegment(sql: SqlStorage, k: number): SegmentReader {
  return {
    list: async (req) => listInSegment(sql, k, req),
    get: async (seq) => entryAt(sql, k, seq),
    links: async (afterSeq, toSeq, maxBytes) => blocksFrom(sql, k, afterSeq, toSeq, maxBytes),
    lastLinkBefore: async (afterSeq, beforeMs) => lastLinkBefore(sql, k, afterSeq, beforeMs),
    firstSeqAtOrAfter: async (ms) => firstSeqAtOrAfter(sql, k, ms),
    lastSeqBefore: async (ms) => lastSeqBefore(sql, k, ms),
    linkOf: async (seq) => linkOf(sql, k, seq),
  };
}

type StoreRpc = Pick<
  AuditLedger,
  | "storeImport"
  | "storeFigures"
  | "storeList"
  | "storeGet"
  | "storeLinks"
  | "storeLastLinkBefore"
  | "storeFirstSeqAtOrAfter"
  | "storeLastSeqBefore"
  | "storeLinkOf"
  | "storeDrop"
>;

/** A segment store's stub (typed by the class's own signatures: see LedgerStub in emit.ts). */
export function storeStub(env: Pick<Env, "AUDIT_LEDGER">, store: string): StoreRpc {
  return env.AUDIT_LEDGER.get(env.AUDIT_LEDGER.idFromName(store)) as unknown as StoreRpc;
}

export function remoteSegment(env: Pick<Env, "AUDIT_LEDGER">, store: string, k: number): SegmentReader {
  const stub = () => storeStub(env, store);
  return {
    list: (req) => stub().storeList(k, req),
    get: (seq) => stub().storeGet(k, seq),
    links: (afterSeq, toSeq, maxBytes) => stub().storeLinks(k, afterSeq, toSeq, maxBytes),
    lastLinkBefore: (afterSeq, beforeMs) => stub().storeLastLinkBefore(k, afterSeq, beforeMs),
    firstSeqAtOrAfter: (ms) => stub().storeFirstSeqAtOrAfter(k, ms),
    lastSeqBefore: (ms) => stub().storeLastSeqBefore(k, ms),
    linkOf: (seq) => stub().storeLinkOf(k, seq),
  };
}
