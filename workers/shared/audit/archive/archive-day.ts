/**
 * Writes one day of one chain to R2: the gzip JSONL archive (if the day has entries), then the
 * signed digest. Idempotent: when a previous attempt already wrote a digest that says exactly what
 * this attempt would say (same range, hashes, archive bytes and previous digest, signed by one of
 * our keys) and its archive is intact, both objects are reused untouched — so a job that crashed
 * after writing and before recording its checkpoint resumes without rewriting history. Anything
 * else found at those keys (a half-written day) is overwritten: no checkpoint ever pointed to it.
 */
import { sha256Hex } from "../../crypto/sha256";
import {
  DIGEST_ALG,
  DIGEST_VERSION,
  digestFileText,
  digestSchema,
  digestSha256,
  digestSignatureValid,
  signDigest,
  type Digest,
  type UnsignedDigest,
} from "./digest";
import { isDeepStrictEqual } from "./deep-equal";
import { digestVerificationKey, type DigestSigningKey } from "./digest-keys";
import { archiveKey, digestKey } from "./layout";

/** The day's archive file, known by its size and SHA-256 before it is written (a first pass computed them). */
export interface ArchiveSource {
  sha256: string;
  byteLength: number;
  /** Writes exactly those bytes to `writable` (a second pass over the chain), then closes it. */
  write(writable: WritableStream<Uint8Array>): Promise<void>;
}

export interface DayToArchive {
  chainId: string;
  tenantId: string | null;
  day: string;
  /** The hash and seq of the link before the day's first (the previous day's last). */
  prevHash: string;
  prevSeq: number;
  /** The day's last seq, entry count, first and last link hashes and newest scheme, from a walk that verified them. */
  toSeq: number;
  count: number;
  firstHash: string | null;
  lastHash: string;
  schemeVersion: 1 | 2;
  archive: ArchiveSource | null;
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
  const expected = expectedFields(day);
  const dKey = digestKey(day.chainId, day.day);

  const existing = await reusableDigest(env, dKey, expected);
  if (existing) return { digest: existing, digestKey: dKey, digestSha256: await digestSha256(existing), reused: true };

  if (day.archive) {
    // Streamed with its length and SHA-256 declared: R2 refuses the upload if the bytes differ.
    const { readable, writable } = new FixedLengthStream(day.archive.byteLength);
    const [put] = await Promise.all([
      env.AUDIT_ARCHIVE.put(expected.archive!.key, readable, {
        httpMetadata: { contentType: "application/gzip" },
        sha256: day.archive.sha256,
        customMetadata: { chainId: day.chainId, day: day.day, fromSeq: String(expected.fromSeq), toSeq: String(expected.toSeq) },
      }),
      day.archive.write(writable),
    ]);
    if (!put) throw new Error(`audit archive ${day.chainId} ${day.day}: R2 did not store the archive`);
  }
  const digest = await signDigest({ ...expected, signedAt: new Date(now).toISOString(), alg: DIGEST_ALG, kid: key.kid }, key.privateKey);
  await env.AUDIT_ARCHIVE.put(dKey, digestFileText(digest), {
    httpMetadata: { contentType: "application/json" },
    customMetadata: { chainId: day.chainId, day: day.day },
  });
  return { digest, digestKey: dKey, digestSha256: await digestSha256(digest), reused: false };
}

type ExpectedFields = Omit<UnsignedDigest, "signedAt" | "alg" | "kid">;

function expectedFields(day: DayToArchive): ExpectedFields {
  return {
    digestVersion: DIGEST_VERSION,
    chainSchemeVersion: day.schemeVersion,
    chainId: day.chainId,
    tenantId: day.tenantId,
    day: day.day,
    fromSeq: day.prevSeq + 1,
    toSeq: day.count > 0 ? day.toSeq : day.prevSeq,
    count: day.count,
    prevHash: day.prevHash,
    firstHash: day.firstHash,
    lastHash: day.count > 0 ? day.lastHash : day.prevHash,
    archive: day.archive ? { key: archiveKey(day.chainId, day.day), sha256: day.archive.sha256, bytes: day.archive.byteLength } : null,
    previousDigest: day.previousDigest,
  };
}

async function reusableDigest(env: ArchiveEnv, key: string, expected: ExpectedFields): Promise<Digest | null> {
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
  if (expected.archive) {
    const archive = await env.AUDIT_ARCHIVE.get(expected.archive.key);
    if (!archive) return null;
    if ((await sha256Hex(new Uint8Array(await archive.arrayBuffer()))) !== expected.archive.sha256) return null;
  }
  return digest;
}
