/**
 * Writes one day of one chain to R2: the gzip JSONL archive (if the day has entries), then the
 * signed digest. Idempotent: when a previous attempt already wrote a digest that says exactly what
 * this attempt would say (same range, hashes, archive bytes and previous digest, signed by one of
 * our keys) and its archive is intact, both objects are reused untouched — so a job that crashed
 * after writing and before recording its checkpoint resumes without rewriting history. Anything
 * else found at those keys (a half-written day) is overwritten: no checkpoint ever pointed to it.
 */
import { sha256Hex } from "../../crypto/sha256";
import { CHAIN_SCHEME_VERSION, type LedgerEntry } from "../chain";
import { buildArchive, type BuiltArchive } from "./archive-file";
import { isDeepStrictEqual } from "./deep-equal";
import { DIGEST_ALG, DIGEST_VERSION, digestFileText, digestSchema, digestSha256, digestSignatureValid, signDigest, type Digest, type UnsignedDigest } from "./digest";
import { digestVerificationKey, type DigestSigningKey } from "./digest-keys";
import { archiveKey, digestKey } from "./layout";

export interface DayToArchive {
  chainId: string;
  tenantId: string | null;
  day: string;
  /** The hash and seq of the entry before the day's first (the previous day's last). */
  prevHash: string;
  prevSeq: number;
  /** The day's entries, already verified to continue the chain from prevSeq/prevHash. */
  entries: readonly LedgerEntry[];
  previousDigest: { key: string; sha256: string } | null;
}

export interface ArchivedDay {
  digest: Digest;
  digestKey: string;
  digestSha256: string;
  /** True when both objects were already in R2 from an earlier attempt. */
  reused: boolean;
}

type ArchiveEnv = Pick<Env, "DB" | "AUDIT_ARCHIVE">;

export async function archiveDay(env: ArchiveEnv, day: DayToArchive, key: DigestSigningKey, now: number): Promise<ArchivedDay> {
  const built = day.entries.length > 0 ? await buildArchive(day.entries) : null;
  const expected = expectedFields(day, built);
  const dKey = digestKey(day.chainId, day.day);

  const existing = await reusableDigest(env, dKey, expected, built);
  if (existing) return { digest: existing, digestKey: dKey, digestSha256: await digestSha256(existing), reused: true };

  if (built) {
    await env.AUDIT_ARCHIVE.put(expected.archive!.key, built.bytes, {
      httpMetadata: { contentType: "application/gzip" },
      sha256: built.sha256,
      customMetadata: { chainId: day.chainId, day: day.day, fromSeq: String(expected.fromSeq), toSeq: String(expected.toSeq) },
    });
  }
  const digest = await signDigest({ ...expected, signedAt: new Date(now).toISOString(), alg: DIGEST_ALG, kid: key.kid }, key.privateKey);
  await env.AUDIT_ARCHIVE.put(dKey, digestFileText(digest), { httpMetadata: { contentType: "application/json" }, customMetadata: { chainId: day.chainId, day: day.day } });
  return { digest, digestKey: dKey, digestSha256: await digestSha256(digest), reused: false };
}

type ExpectedFields = Omit<UnsignedDigest, "signedAt" | "alg" | "kid">;

function expectedFields(day: DayToArchive, built: BuiltArchive | null): ExpectedFields {
  const first = day.entries[0];
  const last = day.entries[day.entries.length - 1];
  return {
    digestVersion: DIGEST_VERSION,
    chainSchemeVersion: CHAIN_SCHEME_VERSION,
    chainId: day.chainId,
    tenantId: day.tenantId,
    day: day.day,
    fromSeq: day.prevSeq + 1,
    toSeq: last?.seq ?? day.prevSeq,
    count: day.entries.length,
    prevHash: day.prevHash,
    firstHash: first?.hash ?? null,
    lastHash: last?.hash ?? day.prevHash,
    archive: built ? { key: archiveKey(day.chainId, day.day), sha256: built.sha256, bytes: built.bytes.byteLength } : null,
    previousDigest: day.previousDigest,
  };
}

async function reusableDigest(env: ArchiveEnv, key: string, expected: ExpectedFields, built: BuiltArchive | null): Promise<Digest | null> {
  const object = await env.AUDIT_ARCHIVE.get(key);
  if (!object) return null;
  let digest: Digest;
  try {
    digest = digestSchema.parse(JSON.parse(await object.text()));
  } catch {
    return null;
  }
  const { signature: _s, signedAt: _t, alg: _a, kid, ...fields } = digest;
  if (!isDeepStrictEqual(fields, expected)) return null;
  const publicKey = await digestVerificationKey(env, kid);
  if (!publicKey || !(await digestSignatureValid(digest, publicKey))) return null;
  if (built) {
    const archive = await env.AUDIT_ARCHIVE.get(expected.archive!.key);
    if (!archive) return null;
    if ((await sha256Hex(new Uint8Array(await archive.arrayBuffer()))) !== built.sha256) return null;
  }
  return digest;
}
