/**
 * The audit hash chain: what a ledger entry is, how it is serialised and how its hash is computed.
 * One module, used by the AuditLedger Durable Object (writer), the API's verify endpoint, the R2
 * archiver and the offline verifier CLI (`bin/switchboard-verify`), so all four agree by
 * construction. Documented for tenants in docs/audit.md.
 *
 * Scheme (v1):
 *   hash = lowercase hex SHA-256( UTF-8( JCS(entry without `hash`) ) )
 * where JCS is RFC 8785 JSON canonicalisation (the `canonicalize` package is the RFC authors'
 * reference implementation) and the entry includes `prevHash`, so each hash commits to the whole
 * chain before it. The first entry of a chain has `prevHash` = GENESIS_HASH.
 *
 * A chain belongs to one tenant (`chainId` = tenant id); events with no tenant (e.g. a failed
 * login for an unknown email) go to the platform chain, `chainId` = PLATFORM_CHAIN_ID.
 */
import canonicalize from "canonicalize";
import { z } from "zod";
import { sha256Hex } from "../crypto/sha256";

export const CHAIN_SCHEME_VERSION = 1;
export const GENESIS_HASH = "0".repeat(64);
export const PLATFORM_CHAIN_ID = "platform";

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

/** The fields a hash commits to. `details` must be plain JSON (no undefined, no NaN). */
export const ledgerEntryBodySchema = z.object({
  v: z.literal(CHAIN_SCHEME_VERSION),
  chainId: z.string().min(1),
  seq: z.number().int().positive(),
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
  prevHash: hex64,
});
export type LedgerEntryBody = z.infer<typeof ledgerEntryBodySchema>;

export const ledgerEntrySchema = ledgerEntryBodySchema.extend({ hash: hex64 });
/** One line of a JSONL export / archive. */
export type LedgerEntry = z.infer<typeof ledgerEntrySchema>;

/** RFC 8785 canonical JSON of an entry without its hash. */
export function canonicalEntry(body: LedgerEntryBody): string {
  const { hash: _drop, ...rest } = body as LedgerEntryBody & { hash?: string };
  const text = canonicalize(rest);
  if (text === undefined) throw new Error("audit entry cannot be canonicalised");
  return text;
}


export async function hashEntry(body: LedgerEntryBody): Promise<string> {
  return sha256Hex(canonicalEntry(body));
}

export async function sealEntry(body: LedgerEntryBody): Promise<LedgerEntry> {
  return { ...body, hash: await hashEntry(body) };
}

export type ChainBreak =
  | { kind: "gap"; seq: number; expectedSeq: number }
  | { kind: "prev_hash_mismatch"; seq: number; expected: string; found: string }
  | { kind: "hash_mismatch"; seq: number; expected: string; found: string };

/**
 * Walks entries in the order given. `start` is what the entry before the first one must look like
 * (GENESIS/0 for a whole chain; the previous entry's hash and seq when verifying a range).
 * Returns the first break, or the head (last seq and hash) when intact.
 */
export async function verifyChain(
  entries: Iterable<LedgerEntry> | AsyncIterable<LedgerEntry>,
  start: { prevHash: string; prevSeq: number },
): Promise<{ ok: true; count: number; headSeq: number; headHash: string } | { ok: false; count: number; break: ChainBreak }> {
  let prevHash = start.prevHash;
  let prevSeq = start.prevSeq;
  let count = 0;
  for await (const entry of entries) {
    if (entry.seq !== prevSeq + 1) return { ok: false, count, break: { kind: "gap", seq: entry.seq, expectedSeq: prevSeq + 1 } };
    if (entry.prevHash !== prevHash) return { ok: false, count, break: { kind: "prev_hash_mismatch", seq: entry.seq, expected: prevHash, found: entry.prevHash } };
    const recomputed = await hashEntry(entry);
    if (recomputed !== entry.hash) return { ok: false, count, break: { kind: "hash_mismatch", seq: entry.seq, expected: recomputed, found: entry.hash } };
    prevHash = entry.hash;
    prevSeq = entry.seq;
    count++;
  }
  return { ok: true, count, headSeq: prevSeq, headHash: prevHash };
}
