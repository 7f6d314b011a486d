/**
 * The keys that sign agent tokens (table `signing_keys`). Lifecycle of one key:
 *   created → signs (it is the newest key with no `retiredAt`)
 *   → retired by the next rotation (stops signing; `expiresAt` = retiredAt + RETIRED_KEY_LIFETIME_MS)
 *   → still published in the JWKS and accepted for verification until `expiresAt`
 *   → deleted by the first rotation after `expiresAt`.
 *
 * Every write is a conditional statement, so concurrent first requests and duplicate cron runs
 * converge on one current key instead of several (rules in docs/agent-identity.md, "Rotation").
 * Private keys are AES-GCM encrypted at rest with DATA_ENCRYPTION_KEY, purpose "signing-key".
 */
import { desc, eq, gt, isNull, or } from "drizzle-orm";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import { decryptField, encryptField } from "../crypto/encryption";
import { createDb } from "../db/client";
import { signingKeys, type SigningKeyRow } from "../db/schema";
import { AGENT_TOKEN_ALG, AGENT_TOKEN_TTL_SECONDS, CLOCK_SKEW_SECONDS } from "./claims";
import { log } from "../observability/log";

type KeyEnv = Pick<Env, "DB" | "DATA_ENCRYPTION_KEY">;
export type SigningAlg = SigningKeyRow["alg"];

const ENCRYPTION_PURPOSE = "signing-key";
/** A rotation finding a current key younger than this leaves it alone (the cron may run twice). */
export const MIN_KEY_AGE_FOR_ROTATION_MS = 60 * 60 * 1000;
/**
 * How long a retired key stays verifiable: the longest-lived token it can have signed (TTL), the
 * verifiers' clock skew, and a margin covering isolates that picked the key just before it was
 * retired and cached JWKS copies (max-age 300 s).
 */
export const RETIREMENT_MARGIN_MS = 60 * 60 * 1000;
export const RETIRED_KEY_LIFETIME_MS = (AGENT_TOKEN_TTL_SECONDS + CLOCK_SKEW_SECONDS) * 1000 + RETIREMENT_MARGIN_MS;
/** Per-isolate cache of public keys for verification. */
export const PUBLIC_KEY_CACHE_MS = 60 * 1000;

export interface SigningKey {
  kid: string;
  alg: SigningAlg;
  privateKey: CryptoKey;
}

/** Only public members: `d` (or any private member) cannot reach the JWKS even from a bad row. */
export type PublicJwk = { kty: string; crv?: string; x?: string; y?: string; kid: string; alg: SigningAlg; use: "sig" };

/** Makes a new key pair and its row; nothing is written. */
export async function newSigningKeyRow(env: Pick<Env, "DATA_ENCRYPTION_KEY">, now: number): Promise<SigningKeyRow> {
  const { publicKey, privateKey } = await generateKeyPair(AGENT_TOKEN_ALG, { crv: "Ed25519", extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub);
  const publicJwk: PublicJwk = { kty: pub.kty!, crv: pub.crv, x: pub.x, kid, alg: AGENT_TOKEN_ALG, use: "sig" };
  const privateJwkEnc = await encryptField(JSON.stringify(await exportJWK(privateKey)), env.DATA_ENCRYPTION_KEY, ENCRYPTION_PURPOSE);
  return { kid, alg: AGENT_TOKEN_ALG, publicJwk, privateJwkEnc, createdAt: now, retiredAt: null, expiresAt: null };
}

/**
 * The key to sign with now: the newest key that is not retired. With none (a fresh deployment),
 * one is created; two first requests racing both try, the conditional insert lets one win and
 * both sign with the winner.
 */
export async function currentSigningKey(env: KeyEnv, now: number = Date.now(), retried = false): Promise<SigningKey> {
  let row = await newestLiveKey(env);
  if (!row) {
    const candidate = await newSigningKeyRow(env, now);
    await insertUnlessLiveKeySince(env.DB, candidate, Number.MIN_SAFE_INTEGER).run();
    row = await newestLiveKey(env);
    if (!row) throw new Error("no signing key after creating one");
  }
  try {
    return { kid: row.kid, alg: row.alg, privateKey: await privateKeyOf(env, row) };
  } catch (err) {
    if (retried) throw err;
    // Typically DATA_ENCRYPTION_KEY was rotated. Signing keys are disposable: retire this one (its
    // public half keeps verifying the tokens it signed) and sign with a fresh key.
    log.error("signing key cannot be decrypted; retiring it", { kid: row.kid, error: err });
    await env.DB.prepare("UPDATE signing_keys SET retired_at = ?1, expires_at = ?2 WHERE kid = ?3 AND retired_at IS NULL")
      .bind(now, now + RETIRED_KEY_LIFETIME_MS, row.kid)
      .run();
    return currentSigningKey(env, now, true);
  }
}

export interface RotationResult {
  /** The key created by this run; null when the current key was younger than the minimum age. */
  created: string | null;
  retired: string[];
  deleted: string[];
}

/**
 * The cron's job: a new current key (unless the current one is younger than
 * MIN_KEY_AGE_FOR_ROTATION_MS), the previous ones retired, expired ones deleted. One D1 batch
 * (one transaction) so a crash cannot leave a new key without the old one retired; running it
 * twice, even concurrently, makes at most one new key.
 */
export async function rotateSigningKeys(env: KeyEnv, now: number = Date.now()): Promise<RotationResult> {
  const candidate = await newSigningKeyRow(env, now);
  const [inserted, retired, deleted] = await env.DB.batch<{ kid: string }>([
    insertUnlessLiveKeySince(env.DB, candidate, now - MIN_KEY_AGE_FOR_ROTATION_MS),
    // Only if our insert happened: a run that created nothing must not retire the key another run created.
    env.DB.prepare(
      "UPDATE signing_keys SET retired_at = ?1, expires_at = ?2 WHERE retired_at IS NULL AND kid != ?3 AND EXISTS (SELECT 1 FROM signing_keys WHERE kid = ?3) RETURNING kid",
    ).bind(now, now + RETIRED_KEY_LIFETIME_MS, candidate.kid),
    env.DB.prepare("DELETE FROM signing_keys WHERE expires_at IS NOT NULL AND expires_at <= ?1 RETURNING kid").bind(now),
  ]);
  // This isolate's cached public keys may carry a stale `expiresAt`; the others refresh within PUBLIC_KEY_CACHE_MS.
  publicKeyCache.clear();
  unknownKids.clear();
  return {
    created: (inserted?.meta.changes ?? 0) > 0 ? candidate.kid : null,
    retired: (retired?.results ?? []).map((r) => r.kid),
    deleted: (deleted?.results ?? []).map((r) => r.kid),
  };
}

/** Public JWKs of every key not yet expired (current and retired), newest first. */
export async function publishedKeys(env: Pick<Env, "DB">, now: number = Date.now()): Promise<PublicJwk[]> {
  const rows = await createDb(env.DB)
    .select({ kid: signingKeys.kid, alg: signingKeys.alg, publicJwk: signingKeys.publicJwk })
    .from(signingKeys)
    .where(notExpired(now))
    .orderBy(desc(signingKeys.createdAt), desc(signingKeys.kid))
    .all();
  return rows.map(toPublicJwk);
}

function toPublicJwk(row: Pick<SigningKeyRow, "kid" | "alg" | "publicJwk">): PublicJwk {
  const { kty, crv, x, y } = row.publicJwk as JWK;
  return { kty: String(kty), ...(crv ? { crv } : {}), ...(x ? { x } : {}), ...(y ? { y } : {}), kid: row.kid, alg: row.alg, use: "sig" };
}

export interface VerificationKey {
  kid: string;
  alg: SigningAlg;
  key: CryptoKey;
  expiresAt: number | null;
}

interface CachedKey extends VerificationKey {
  fetchedAt: number;
}

/*
 * Verification-side caches, per isolate. Known keys are re-read at most every PUBLIC_KEY_CACHE_MS.
 * Unknown kids are remembered (bounded) for as long, and at most UNKNOWN_KID_LOOKUPS_PER_SECOND
 * D1 lookups of kids never seen before happen per second, so a flood of tokens with made-up kids
 * costs a bounded number of reads instead of one per request. Known keys never wait on that
 * budget, so the flood cannot starve real tokens.
 */
const publicKeyCache = new Map<string, CachedKey>();
const unknownKids = new Map<string, number>();
const UNKNOWN_KIDS_MAX = 1000;
const UNKNOWN_KID_LOOKUPS_PER_SECOND = 10;
const lookupWindow = { startedAt: 0, used: 0 };
/** Lookups in flight by kid. */
const keyLookups = new Map<string, Promise<CachedKey | null>>();
/** Our kids are RFC 7638 SHA-256 thumbprints; anything else is not worth a lookup. */
const KID_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** The public key for `kid` if it exists and has not expired at `now`; null otherwise. */
export async function verificationKey(env: Pick<Env, "DB">, kid: string, now: number = Date.now()): Promise<VerificationKey | null> {
  if (!KID_FORMAT.test(kid)) return null;
  const clock = Date.now();
  let entry: CachedKey | null | undefined = publicKeyCache.get(kid);
  if (!entry || clock - entry.fetchedAt >= PUBLIC_KEY_CACHE_MS) {
    // Single flight: a burst of tokens with the same kid (the first requests an isolate serves)
    // shares one lookup, instead of each spending the unknown-kid budget and being refused past it.
    const pending = keyLookups.get(kid);
    if (pending) entry = await pending;
    else {
      if (!entry) {
        const missedAt = unknownKids.get(kid);
        if (missedAt !== undefined && clock - missedAt < PUBLIC_KEY_CACHE_MS) return null;
        if (!takeLookup(clock)) return null;
      }
      const lookup = loadPublicKey(env, kid, clock).finally(() => keyLookups.delete(kid));
      keyLookups.set(kid, lookup);
      entry = await lookup;
    }
  }
  if (!entry || (entry.expiresAt !== null && entry.expiresAt <= now)) return null;
  return entry;
}

async function loadPublicKey(env: Pick<Env, "DB">, kid: string, clock: number): Promise<CachedKey | null> {
  const row = await createDb(env.DB)
    .select({ alg: signingKeys.alg, publicJwk: signingKeys.publicJwk, expiresAt: signingKeys.expiresAt })
    .from(signingKeys)
    .where(eq(signingKeys.kid, kid))
    .get();
  if (!row) {
    publicKeyCache.delete(kid);
    if (unknownKids.size >= UNKNOWN_KIDS_MAX) unknownKids.delete(unknownKids.keys().next().value!);
    unknownKids.set(kid, clock);
    return null;
  }
  const { kty, crv, x, y } = toPublicJwk({ kid, ...row });
  const key = (await importJWK({ kty, crv, x, y }, row.alg)) as CryptoKey;
  const entry: CachedKey = { kid, alg: row.alg, key, expiresAt: row.expiresAt, fetchedAt: clock };
  publicKeyCache.set(kid, entry);
  return entry;
}

function takeLookup(clock: number): boolean {
  if (clock - lookupWindow.startedAt >= 1000) {
    lookupWindow.startedAt = clock;
    lookupWindow.used = 0;
  }
  if (lookupWindow.used >= UNKNOWN_KID_LOOKUPS_PER_SECOND) return false;
  lookupWindow.used += 1;
  return true;
}

/** Decrypted private keys by kid: a key's private half never changes, so this needs no expiry. */
const privateKeys = new Map<string, Promise<CryptoKey>>();

function privateKeyOf(env: Pick<Env, "DATA_ENCRYPTION_KEY">, row: SigningKeyRow): Promise<CryptoKey> {
  let key = privateKeys.get(row.kid);
  if (!key) {
    key = (async () => {
      const jwk = JSON.parse(await decryptField(row.privateJwkEnc, env.DATA_ENCRYPTION_KEY, ENCRYPTION_PURPOSE)) as JWK;
      return (await importJWK({ ...jwk, ext: false }, row.alg)) as CryptoKey;
    })();
    key.catch(() => privateKeys.delete(row.kid));
    privateKeys.set(row.kid, key);
  }
  return key;
}

function newestLiveKey(env: Pick<Env, "DB">): Promise<SigningKeyRow | undefined> {
  return createDb(env.DB)
    .select()
    .from(signingKeys)
    .where(isNull(signingKeys.retiredAt))
    .orderBy(desc(signingKeys.createdAt), desc(signingKeys.kid))
    .limit(1)
    .get();
}

const notExpired = (now: number) => or(isNull(signingKeys.expiresAt), gt(signingKeys.expiresAt, now));

/**
 * INSERT the row unless a live (not retired) key created after `since` exists, in one statement:
 * SQLite runs it atomically, which is what makes concurrent creators converge.
 */
function insertUnlessLiveKeySince(db: D1Database, row: SigningKeyRow, since: number): D1PreparedStatement {
  return db
    .prepare(
      "INSERT INTO signing_keys (kid, alg, public_jwk, private_jwk_enc, created_at) SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (SELECT 1 FROM signing_keys WHERE retired_at IS NULL AND created_at > ?6)",
    )
    .bind(row.kid, row.alg, JSON.stringify(row.publicJwk), row.privateJwkEnc, row.createdAt, since);
}
