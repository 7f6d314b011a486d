/**
 * The digest of one archived day: a CloudTrail-style signed statement of which part of the chain
 * the day's archive holds and how it links to the day before. Format v1 (docs/audit-archives.md):
 *
 * - the range: `fromSeq`..`toSeq` (`count` entries, whole links; an empty day has `count` 0 and
 *   `toSeq` = `fromSeq` - 1), `prevHash` (the hash of the link ending at `fromSeq` - 1, GENESIS_HASH
 *   before seq 1), `firstHash`/`lastHash` (the day's first and last link hashes — a v1 entry's hash
 *   or a v2 block's hash; `lastHash` = `prevHash` on an empty day, so days link uniformly: a day's
 *   `prevHash` is the day before's `lastHash`);
 * - the archive: R2 key, SHA-256 of the gzip bytes as stored, size; null on an empty day;
 * - `previousDigest`: key and SHA-256 of the day before's digest (null for the chain's first);
 * - `signature`: Ed25519 over the UTF-8 of the RFC 8785 canonical JSON of the digest without
 *   `signature`, base64url, by the key `kid` published at /.well-known/audit-digest-keys.json.
 *
 * A digest's own SHA-256 (what the next digest links to) is over the canonical JSON of the whole
 * digest, signature included: reformatting the file does not change it, any edit does.
 * Web APIs only (WebCrypto), so Node can run it too.
 */
import canonicalize from "canonicalize";
import { z } from "zod";
import { sha256Hex } from "../../crypto/sha256";
import { CHAIN_SCHEME_VERSION, LEGACY_CHAIN_SCHEME_VERSION } from "../chain";

export const DIGEST_VERSION = 1;
export const DIGEST_ALG = "EdDSA";

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const seqNumber = z.number().int().nonnegative();

export const unsignedDigestSchema = z
  .object({
    digestVersion: z.literal(DIGEST_VERSION),
    /** The newest chain scheme among the day's entries (1: v1 entries only; 2: blocks). */
    chainSchemeVersion: z.union([z.literal(LEGACY_CHAIN_SCHEME_VERSION), z.literal(CHAIN_SCHEME_VERSION)]),
    chainId: z.string().min(1),
    tenantId: z.string().nullable(),
    day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    fromSeq: z.number().int().positive(),
    toSeq: seqNumber,
    count: seqNumber,
    prevHash: hex64,
    firstHash: hex64.nullable(),
    lastHash: hex64,
    archive: z
      .object({ key: z.string().min(1), sha256: hex64, bytes: seqNumber })
      .strict()
      .nullable(),
    previousDigest: z
      .object({ key: z.string().min(1), sha256: hex64 })
      .strict()
      .nullable(),
    signedAt: z.iso.datetime(),
    alg: z.literal(DIGEST_ALG),
    kid: z.string().min(1),
  })
  .strict();
export type UnsignedDigest = z.infer<typeof unsignedDigestSchema>;

export const digestSchema = unsignedDigestSchema.extend({ signature: z.string().regex(/^[A-Za-z0-9_-]+$/) }).strict();
export type Digest = z.infer<typeof digestSchema>;

function canonical(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error("digest cannot be canonicalised");
  return text;
}

/** The exact bytes the signature covers. */
export function signedBytes(digest: UnsignedDigest | Digest): Uint8Array<ArrayBuffer> {
  const { signature: _drop, ...unsigned } = digest as Digest;
  return new TextEncoder().encode(canonical(unsigned)) as Uint8Array<ArrayBuffer>;
}

export async function signDigest(unsigned: UnsignedDigest, privateKey: CryptoKey): Promise<Digest> {
  const signature = new Uint8Array(await crypto.subtle.sign("Ed25519", privateKey, signedBytes(unsigned)));
  return { ...unsigned, signature: base64url(signature) };
}

export async function digestSignatureValid(digest: Digest, publicKey: CryptoKey): Promise<boolean> {
  let signature: Uint8Array<ArrayBuffer>;
  try {
    signature = fromBase64url(digest.signature);
  } catch {
    return false;
  }
  return crypto.subtle.verify("Ed25519", publicKey, signature, signedBytes(digest));
}

/** What the next day's `previousDigest.sha256` holds. */
export function digestSha256(digest: Digest): Promise<string> {
  return sha256Hex(canonical(digest));
}

/** The file as stored in R2 (pretty, for people; hashing never depends on the formatting). */
export function digestFileText(digest: Digest): string {
  return `${JSON.stringify(digest, null, 2)}\n`;
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
