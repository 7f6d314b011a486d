/**
 * The audit hash chain: what a ledger entry is, how it is serialised and how its hashes are
 * computed. One module, used by the AuditLedger Durable Object (writer), the API's verify
 * endpoint, the R2 archiver, the dashboard (which re-checks hashes in the browser) and, through
 * the same rules re-implemented without dependencies, the offline verifier
 * (`tools/switchboard-verify`). Documented for tenants in docs/audit.md, "The chain scheme".
 *
 * A chain is a sequence of LINKS, each committing to the one before it through `prevHash`:
 *
 * - scheme v1 (entries written before the block ledger): every entry is its own link;
 *     hash = hex SHA-256( JCS(entry without `hash`) ), and the entry holds `prevHash`.
 * - scheme v2 (blocks): the entries appended together (a relay's flushed batch, one API request's
 *   event) form one BLOCK, committed as one link:
 *     leaf hash  = hex SHA-256( 0x00 ‖ JCS(entry without `hash` and `block`) )     (RFC 6962 leaf)
 *     root       = RFC 6962 Merkle tree hash of the block's leaves, in seq order (node = SHA-256(0x01 ‖ left ‖ right))
 *     block hash = hex SHA-256( JCS({ v: 2, chainId, fromSeq, toSeq, prevHash, root }) )
 *   Every entry carries its own leaf hash (`hash`) and its block's header (`block`), so one line of
 *   an export re-hashes on its own and a block's lines re-derive its root.
 *
 * JCS is RFC 8785 (the `canonicalize` package is the RFC authors' implementation). The first link
 * of a chain has `prevHash` = GENESIS_HASH; a v2 block after a v1 entry links to that entry's hash.
 * A chain belongs to one tenant (`chainId` = tenant id); tenant-less events go to the platform chain.
 *
 * Web APIs only (WebCrypto), so the dashboard imports this file; the Workers use the synchronous
 * twin in `chain-hash-node.ts` (node:crypto), asserted equal in the tests.
 */
import canonicalize from "canonicalize";
import { z } from "zod";
import { sha256 } from "../crypto/sha256";

/** The scheme new entries are written with. */
export const CHAIN_SCHEME_VERSION = 2;
export const LEGACY_CHAIN_SCHEME_VERSION = 1;
export const GENESIS_HASH = "0".repeat(64);
export const PLATFORM_CHAIN_ID = "platform";

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const seqNumber = z.number().int().positive();

/** The fields of an event, common to both schemes. `details` must be plain JSON (no undefined, no NaN). */
export const entryFieldsSchema = z.object({
  chainId: z.string().min(1),
  seq: seqNumber,
  id: z.string().min(1),
  at: z.number().int().nonnegative(),
  tenantId: z.string().nullable(),
  actor: z.object({
    type: z.enum(["user", "api_key", "agent", "system", "anonymous"]),
    id: z.string().nullable(),
    name: z.string().nullable(),
  }),
  action: z.string().min(1),
  target: z.object({ type: z.string(), id: z.string() }).nullable(),
  severity: z.enum(["info", "warning", "critical"]),
  outcome: z.enum(["success", "failure", "denied"]),
  details: z.record(z.string(), z.unknown()),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
});
export type EntryFields = z.infer<typeof entryFieldsSchema>;

/** v1: what an entry's hash commits to (its fields and `prevHash`). */
export const ledgerEntryV1BodySchema = entryFieldsSchema.extend({ v: z.literal(LEGACY_CHAIN_SCHEME_VERSION), prevHash: hex64 });
export type LedgerEntryV1Body = z.infer<typeof ledgerEntryV1BodySchema>;
export const ledgerEntryV1Schema = ledgerEntryV1BodySchema.extend({ hash: hex64 });
export type LedgerEntryV1 = z.infer<typeof ledgerEntryV1Schema>;

/** v2: the header of the block an entry belongs to (what `block.hash` commits to, plus the hash). */
export const blockRefSchema = z.object({ fromSeq: seqNumber, toSeq: seqNumber, prevHash: hex64, root: hex64, hash: hex64 });
export type BlockRef = z.infer<typeof blockRefSchema>;
export type BlockHeader = Omit<BlockRef, "hash"> & { chainId: string };

/** v2: a leaf is the entry without `hash` and `block`. */
export const ledgerLeafSchema = entryFieldsSchema.extend({ v: z.literal(CHAIN_SCHEME_VERSION) });
export type LedgerLeaf = z.infer<typeof ledgerLeafSchema>;
export const ledgerEntryV2Schema = ledgerLeafSchema.extend({ hash: hex64, block: blockRefSchema });
export type LedgerEntryV2 = z.infer<typeof ledgerEntryV2Schema>;

/** One line of a JSONL export or archive: an entry of either scheme. */
export const ledgerEntrySchema = z.discriminatedUnion("v", [ledgerEntryV1Schema, ledgerEntryV2Schema]);
export type LedgerEntry = z.infer<typeof ledgerEntrySchema>;

// ------------------------------------------------------------------ canonical forms (shared by both hashers)

function jcs(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error("audit entry cannot be canonicalised");
  return text;
}

/** v1: RFC 8785 JSON of an entry without its hash. */
export function canonicalEntry(body: LedgerEntryV1Body | LedgerEntryV1): string {
  const { hash: _drop, ...rest } = body as LedgerEntryV1;
  return jcs(rest);
}

/** v2: RFC 8785 JSON of the leaf (the entry without `hash` and `block`). */
export function canonicalLeaf(entry: LedgerLeaf | LedgerEntryV2): string {
  if (hasLeafShape(entry)) return canonicalLeafOfShape(entry);
  const { hash: _h, block: _b, ...leaf } = entry as LedgerEntryV2;
  return jcs(leaf);
}

/** The leaf's members in RFC 8785 order (sorted by UTF-16 code units). */
const LEAF_KEYS = [
  "action",
  "actor",
  "at",
  "chainId",
  "details",
  "id",
  "ip",
  "outcome",
  "seq",
  "severity",
  "target",
  "tenantId",
  "userAgent",
  "v",
] as const;
const LEAF_KEY_SET = new Set<string>([...LEAF_KEYS, "hash", "block"]);
// ES2024's String.prototype.isWellFormed (workerd, Node 22, current browsers): JCS refuses lone surrogates.
const isStr = (x: unknown): x is string => typeof x === "string" && (x as string & { isWellFormed(): boolean }).isWellFormed();
const isStrOrNull = (x: unknown) => x === null || isStr(x);
const isInt = (x: unknown): x is number => Number.isSafeInteger(x);

/**
 * Whether an entry is exactly the leaf shape the ledger writes (every member present, nothing
 * else, strings well formed, integers safe): then its canonical form can be assembled in member
 * order instead of sorted generically — the same string, several times faster, which is what
 * makes a verify of 100,000 entries fit in a request. Anything else takes the generic path.
 */
function hasLeafShape(e: unknown): e is LedgerLeaf {
  if (e === null || typeof e !== "object") return false;
  const keys = Object.keys(e);
  if (keys.length < LEAF_KEYS.length || keys.length > LEAF_KEYS.length + 2 || !keys.every((k) => LEAF_KEY_SET.has(k))) return false;
  const x = e as Record<string, unknown>;
  if (LEAF_KEYS.some((k) => !(k in x))) return false;
  const actor = x.actor as Record<string, unknown> | null;
  const target = x.target as Record<string, unknown> | null;
  return (
    isStr(x.action) &&
    actor !== null &&
    typeof actor === "object" &&
    Object.keys(actor).length === 3 &&
    isStr(actor.type) &&
    isStrOrNull(actor.id) &&
    isStrOrNull(actor.name) &&
    isInt(x.at) &&
    isStr(x.chainId) &&
    x.details !== null &&
    typeof x.details === "object" &&
    !Array.isArray(x.details) &&
    isStr(x.id) &&
    isStrOrNull(x.ip) &&
    isStr(x.outcome) &&
    isInt(x.seq) &&
    isStr(x.severity) &&
    (target === null || (typeof target === "object" && Object.keys(target).length === 2 && isStr(target.type) && isStr(target.id))) &&
    isStrOrNull(x.tenantId) &&
    isStrOrNull(x.userAgent) &&
    x.v === CHAIN_SCHEME_VERSION
  );
}

function canonicalLeafOfShape(e: LedgerLeaf): string {
  const s = JSON.stringify;
  const n = (x: string | null) => (x === null ? "null" : s(x));
  const t = e.target;
  return (
    `{"action":${s(e.action)},"actor":{"id":${n(e.actor.id)},"name":${n(e.actor.name)},"type":${s(e.actor.type)}},"at":${s(e.at)},"chainId":${s(e.chainId)},` +
    `"details":${jcs(e.details)},"id":${s(e.id)},"ip":${n(e.ip)},"outcome":${s(e.outcome)},"seq":${s(e.seq)},"severity":${s(e.severity)},` +
    `"target":${t === null ? "null" : `{"id":${s(t.id)},"type":${s(t.type)}}`},"tenantId":${n(e.tenantId)},"userAgent":${n(e.userAgent)},"v":${s(e.v)}}`
  );
}

// ------------------------------------------------------------------ stored lines (JSONL)

/**
 * The line an entry is stored, exported and archived as: its RFC 8785 form. For a v2 entry that
 * is its leaf's canonical text with two members spliced in at their sorted places — `block`
 * between `at` and `chainId`, `hash` between `details` and `id` — so the writer canonicalises
 * once (for the leaf hash) and a reader can take the leaf text back out without parsing
 * (`leafOfLine`).
 */
export function entryLine(entry: LedgerEntry): string {
  if (entry.v === CHAIN_SCHEME_VERSION && hasLeafShape(entry) && Object.keys(entry.block).length === 5)
    return lineOfLeaf(canonicalLeafOfShape(entry), entry.block, entry.hash);
  return jcs(entry);
}

/** Where `block` goes in a leaf's canonical text: the top-level `,"chainId":` (action and actor before it hold only strings). */
const chainIdAt = (leafText: string) => leafText.indexOf(',"chainId":"');
/** Where `hash` goes: the last `,"id":"` (the members after `id` hold no such text; target's id opens with `{`). */
const idAt = (leafText: string) => leafText.lastIndexOf(',"id":"');

export function lineOfLeaf(leafText: string, block: BlockRef, hash: string): string {
  const i = chainIdAt(leafText);
  const j = idAt(leafText);
  const blockText = `,"block":{"fromSeq":${block.fromSeq},"hash":"${block.hash}","prevHash":"${block.prevHash}","root":"${block.root}","toSeq":${block.toSeq}}`;
  return `${leafText.slice(0, i)}${blockText}${leafText.slice(i, j)},"hash":"${hash}"${leafText.slice(j)}`;
}

/** A v2 line taken apart without parsing it: what the walker checks, and the leaf text to hash. */
export interface LineLeaf {
  seq: number;
  chainId: string;
  block: BlockRef;
  hash: string;
  leafText: string;
}

const INT = "(0|[1-9][0-9]{0,15})";
const HEX = "([0-9a-f]{64})";
const BLOCK_MEMBER = new RegExp(`,"block":\\{"fromSeq":${INT},"hash":"${HEX}","prevHash":"${HEX}","root":"${HEX}","toSeq":${INT}\\}`, "y");
const HASH_MEMBER = new RegExp(`,"hash":"${HEX}"`, "y");
const SEQ_MEMBER = new RegExp(`,"seq":${INT},"severity":`, "y");
const CHAIN_ID_MEMBER = /,"chainId":"([^"\\]+)"/y;

/**
 * The inverse of `lineOfLeaf`, or null for any line not written exactly that way (then parse it
 * and take the generic path). Sound for verification because every cut is checked against the
 * leaf text itself: the removed members match a fixed pattern and sat exactly where `lineOfLeaf`
 * puts them in the remaining text, so once the leaf text's hash checks out the line parses to
 * that leaf plus `block` and `hash` — nothing hashed differs from what a parser would show.
 */
export function leafOfLine(line: string): LineLeaf | null {
  if (!line.startsWith('{"action":"') || !line.endsWith(',"v":2}')) return null;
  const i = line.indexOf(',"block":{"fromSeq":');
  if (i < 0) return null;
  BLOCK_MEMBER.lastIndex = i;
  const b = BLOCK_MEMBER.exec(line);
  if (!b) return null;
  const afterBlock = i + b[0].length;
  const j = line.lastIndexOf(',"hash":"');
  if (j < afterBlock) return null;
  HASH_MEMBER.lastIndex = j;
  const h = HASH_MEMBER.exec(line);
  if (!h) return null;
  const leafText = line.slice(0, i) + line.slice(afterBlock, j) + line.slice(j + h[0].length);
  const jInLeaf = j - b[0].length;
  if (chainIdAt(leafText) !== i || idAt(leafText) !== jInLeaf) return null;
  CHAIN_ID_MEMBER.lastIndex = i;
  const c = CHAIN_ID_MEMBER.exec(leafText);
  SEQ_MEMBER.lastIndex = leafText.lastIndexOf(',"seq":');
  const q = SEQ_MEMBER.exec(leafText);
  if (!c || !q) return null;
  const block = { fromSeq: Number(b[1]), hash: b[2]!, prevHash: b[3]!, root: b[4]!, toSeq: Number(b[5]) };
  if (!Number.isSafeInteger(block.fromSeq) || !Number.isSafeInteger(block.toSeq) || block.fromSeq < 1) return null;
  const seq = Number(q[1]);
  if (!Number.isSafeInteger(seq)) return null;
  return { seq, chainId: c[1]!, block, hash: h[1]!, leafText };
}

/** v2: RFC 8785 JSON of a block header: `{ chainId, fromSeq, prevHash, root, toSeq, v: 2 }`. */
export function canonicalBlockHeader(header: BlockHeader): string {
  return jcs({
    v: CHAIN_SCHEME_VERSION,
    chainId: header.chainId,
    fromSeq: header.fromSeq,
    toSeq: header.toSeq,
    prevHash: header.prevHash,
    root: header.root,
  });
}

export const LEAF_PREFIX = 0x00;
export const NODE_PREFIX = 0x01;

/** RFC 6962 §2.1: the split point of a tree of n > 1 leaves, the largest power of two below n. */
export function merkleSplit(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

// ------------------------------------------------------------------ hashing, asynchronously (WebCrypto)

export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

export function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

const utf8 = new TextEncoder();

function prefixed(prefix: number, ...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(1 + parts.reduce((n, p) => n + p.length, 0));
  out[0] = prefix;
  let at = 1;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A v2 leaf hash from the leaf's canonical text. */
export async function hashLeafText(leafText: string): Promise<string> {
  return toHex(await sha256(prefixed(LEAF_PREFIX, utf8.encode(leafText))));
}

/** The hash an entry records in `hash`: v1 entry hash, or v2 leaf hash. */
export async function hashEntry(entry: LedgerEntryV1Body | LedgerEntryV1 | LedgerLeaf | LedgerEntryV2): Promise<string> {
  if (entry.v === LEGACY_CHAIN_SCHEME_VERSION) return toHex(await sha256(canonicalEntry(entry)));
  return hashLeafText(canonicalLeaf(entry));
}

/** RFC 6962 Merkle tree hash over leaf hashes (hex), in order. */
export async function merkleRoot(leafHashes: readonly string[]): Promise<string> {
  if (leafHashes.length === 0) throw new Error("a block has at least one entry");
  const tree = async (from: number, to: number): Promise<Uint8Array> => {
    if (to - from === 1) return fromHex(leafHashes[from]!);
    const k = merkleSplit(to - from);
    return sha256(prefixed(NODE_PREFIX, await tree(from, from + k), await tree(from + k, to)));
  };
  return toHex(await tree(0, leafHashes.length));
}

export async function blockHash(header: BlockHeader): Promise<string> {
  return toHex(await sha256(canonicalBlockHeader(header)));
}

/** A v1 entry with its hash (tests and fixtures that build legacy chains). */
export async function sealEntry(body: LedgerEntryV1Body): Promise<LedgerEntryV1> {
  return { ...body, hash: await hashEntry(body) };
}

// ------------------------------------------------------------------ verifying a sequence of entries

/** How a verifier hashes: WebCrypto (`asyncChainHasher`) or node:crypto (`chain-hash-node.ts`). */
export interface ChainHasher {
  entry(entry: LedgerEntry): string | Promise<string>;
  leafText(leafText: string): string | Promise<string>;
  root(leafHashes: readonly string[]): string | Promise<string>;
  block(header: BlockHeader): string | Promise<string>;
}

export const asyncChainHasher: ChainHasher = { entry: hashEntry, leafText: hashLeafText, root: merkleRoot, block: blockHash };

export type ChainBreak =
  | { kind: "gap"; seq: number; expectedSeq: number }
  | { kind: "prev_hash_mismatch"; seq: number; expected: string; found: string }
  | { kind: "hash_mismatch"; seq: number; expected: string; found: string };

/** Where a walk stands: the last link's seq and hash (GENESIS/0 before a chain's first entry). */
export interface ChainPosition {
  prevHash: string;
  prevSeq: number;
}

export type ChainWalk = { ok: true; count: number; headSeq: number; headHash: string } | { ok: false; count: number; break: ChainBreak };

/**
 * Walks entries in the order given, link by link. `start` is the link before the first entry.
 * A v2 block must be given whole (its entries fromSeq..toSeq, in order); a block cut short at the
 * end of the input is a gap. Returns the first break, or the last link (the head of the range).
 * `count` is the number of entries that verified.
 */
export async function verifyChain(
  entries: Iterable<LedgerEntry> | AsyncIterable<LedgerEntry>,
  start: ChainPosition,
  hasher: ChainHasher = asyncChainHasher,
): Promise<ChainWalk> {
  const walker = new ChainWalker(start, hasher);
  for await (const entry of entries) {
    const broken = await walker.push(entry);
    if (broken) return { ok: false, count: walker.count, break: broken };
  }
  const end = await walker.finish();
  if (end) return { ok: false, count: walker.count, break: end };
  return { ok: true, count: walker.count, headSeq: walker.position.prevSeq, headHash: walker.position.prevHash };
}

/**
 * The incremental form of `verifyChain`, for callers that walk a range page by page (verify,
 * the archiver): push entries in order, then `finish()`. `position` is the last complete link.
 */
export class ChainWalker {
  position: ChainPosition;
  count = 0;
  private block: { ref: BlockRef; chainId: string; leaves: string[]; next: number } | null = null;

  constructor(
    start: ChainPosition,
    private readonly hasher: ChainHasher = asyncChainHasher,
  ) {
    this.position = { ...start };
  }

  /** The next seq expected (the middle of a block, or the link after the position). */
  get expectedSeq(): number {
    return this.block ? this.block.next : this.position.prevSeq + 1;
  }

  /**
   * Checks the next entry. Answers synchronously when the hasher is synchronous (node:crypto), so a
   * walk of 100,000 entries does not pay a promise per entry; with WebCrypto it answers a promise.
   */
  push(entry: LedgerEntry): ChainBreak | null | Promise<ChainBreak | null> {
    if (entry.v === LEGACY_CHAIN_SCHEME_VERSION) {
      const expected = this.expectedSeq;
      if (this.block) return { kind: "gap", seq: entry.seq, expectedSeq: this.block.next }; // a new link began while the open block still expected entries
      if (entry.seq !== expected) return { kind: "gap", seq: entry.seq, expectedSeq: expected };
      if (entry.prevHash !== this.position.prevHash)
        return { kind: "prev_hash_mismatch", seq: entry.seq, expected: this.position.prevHash, found: entry.prevHash };
      return then(this.hasher.entry(entry), (recomputed) => {
        if (recomputed !== entry.hash) return { kind: "hash_mismatch", seq: entry.seq, expected: recomputed, found: entry.hash };
        this.position = { prevHash: entry.hash, prevSeq: entry.seq };
        this.count++;
        return null;
      });
    }
    return this.pushLeaf(entry.seq, entry.chainId, entry.block, entry.hash, () => this.hasher.entry(entry));
  }

  /**
   * Checks the next stored line (JSONL, as `entryLine` writes it): a v2 line is taken apart and its
   * leaf text hashed as it stands, without parsing and re-canonicalising it (`leafOfLine`); any
   * other line is parsed and pushed. Same verdicts as `push(JSON.parse(line))`.
   */
  pushLine(line: string): ChainBreak | null | Promise<ChainBreak | null> {
    const cut = leafOfLine(line);
    if (!cut) return this.push(JSON.parse(line) as LedgerEntry);
    return this.pushLeaf(cut.seq, cut.chainId, cut.block, cut.hash, () => this.hasher.leafText(cut.leafText));
  }

  private pushLeaf(
    seq: number,
    chainId: string,
    ref: BlockRef,
    recorded: string,
    leafHash: () => string | Promise<string>,
  ): ChainBreak | null | Promise<ChainBreak | null> {
    if (this.block && ref.fromSeq !== this.block.ref.fromSeq) {
      // A new link began while the open block still expected entries.
      return { kind: "gap", seq, expectedSeq: this.block.next };
    }
    const expected = this.expectedSeq;
    if (seq !== expected) return { kind: "gap", seq, expectedSeq: expected };
    if (!this.block) {
      if (ref.fromSeq !== seq || ref.toSeq < ref.fromSeq) return { kind: "gap", seq, expectedSeq: expected };
      if (ref.prevHash !== this.position.prevHash)
        return { kind: "prev_hash_mismatch", seq, expected: this.position.prevHash, found: ref.prevHash };
      this.block = { ref, chainId, leaves: [], next: seq };
    } else if (!sameRef(ref, this.block.ref) || chainId !== this.block.chainId) {
      // Every entry of a block carries the same header: a different one means an edited line.
      return { kind: "hash_mismatch", seq, expected: this.block.ref.hash, found: ref.hash };
    }
    return then(leafHash(), (leaf) => {
      if (leaf !== recorded) return { kind: "hash_mismatch", seq, expected: leaf, found: recorded };
      this.block!.leaves.push(leaf);
      this.block!.next = seq + 1;
      return seq === this.block!.ref.toSeq ? this.closeBlock() : null;
    });
  }

  /** Call after the last entry: a block still open is missing its last entries. */
  finish(): ChainBreak | null {
    if (!this.block) return null;
    return { kind: "gap", seq: this.block.next, expectedSeq: this.block.next };
  }

  private closeBlock(): ChainBreak | null | Promise<ChainBreak | null> {
    const { ref, chainId, leaves } = this.block!;
    this.block = null;
    return then(this.hasher.root(leaves), (root) => {
      if (root !== ref.root) return { kind: "hash_mismatch", seq: ref.fromSeq, expected: root, found: ref.root };
      return then(
        this.hasher.block({ chainId, fromSeq: ref.fromSeq, toSeq: ref.toSeq, prevHash: ref.prevHash, root: ref.root }),
        (hash) => {
          if (hash !== ref.hash) return { kind: "hash_mismatch", seq: ref.fromSeq, expected: hash, found: ref.hash };
          this.position = { prevHash: ref.hash, prevSeq: ref.toSeq };
          this.count += leaves.length;
          return null;
        },
      );
    });
  }
}

/** Continues with a value, synchronously when it is one and through the promise when it is not. */
function then<T, R>(value: T | Promise<T>, next: (v: T) => R | Promise<R>): R | Promise<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}

function sameRef(a: BlockRef, b: BlockRef): boolean {
  return a.fromSeq === b.fromSeq && a.toSeq === b.toSeq && a.prevHash === b.prevHash && a.root === b.root && a.hash === b.hash;
}

/** The hash the next link must name as `prevHash` after this entry, if the entry ends a link. */
export function linkHashAfter(entry: LedgerEntry): string | null {
  if (entry.v === LEGACY_CHAIN_SCHEME_VERSION) return entry.hash;
  return entry.seq === entry.block.toSeq ? entry.block.hash : null;
}
