/**
 * The keys that sign audit archive digests (table `audit_digest_keys`), kept apart from the
 * agent-token keys: another purpose, another kid space (`adk_<RFC 7638 thumbprint>`), another
 * encryption purpose, and another lifecycle. A digest is verified years after it was signed, so a
 * key is never deleted: it is created → signs (the newest unretired key) → retired by the next
 * rotation (stops signing) → stays published with its `retired` time forever.
 *
 * Same write discipline as workers/shared/agent-identity/signing-keys.ts: every write is one
 * conditional statement, so concurrent first uses and duplicate cron runs converge on one key.
 */
import { desc, eq, isNull } from "drizzle-orm";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import { decryptField, encryptField } from "../../crypto/encryption";
import { createDb } from "../../db/client";
import { auditDigestKeys, type AuditDigestKeyRow } from "../../db/schema";
import { DIGEST_ALG } from "./digest";

type KeyEnv = Pick<Env, "DB" | "DATA_ENCRYPTION_KEY">;

const ENCRYPTION_PURPOSE = "audit-digest-key";
export const DIGEST_KID_PREFIX = "adk_";
/** The cron makes a new digest key when the current one is older than this. */
export const DIGEST_KEY_ROTATION_MS = 30 * 24 * 60 * 60 * 1000;

/** A published digest key: the JWK's public members, plus when it started and stopped signing. */
export interface DigestPublicJwk {
  kty: "OKP";
  crv: "Ed25519";
  x: string;
  kid: string;
  alg: typeof DIGEST_ALG;
  use: "sig";
  /** RFC 3339: when the key started signing. */
  created: string;
  /** RFC 3339: when it stopped signing (null: it is the current key). */
  retired: string | null;
}

export interface DigestSigningKey {
  kid: string;
  privateKey: CryptoKey;
}

export async function newDigestKeyRow(env: Pick<Env, "DATA_ENCRYPTION_KEY">, now: number): Promise<AuditDigestKeyRow> {
  const { publicKey, privateKey } = await generateKeyPair(DIGEST_ALG, { crv: "Ed25519", extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = DIGEST_KID_PREFIX + (await calculateJwkThumbprint(pub));
  const publicJwk = { kty: pub.kty, crv: pub.crv, x: pub.x };
  const privateJwkEnc = await encryptField(JSON.stringify(await exportJWK(privateKey)), env.DATA_ENCRYPTION_KEY, ENCRYPTION_PURPOSE);
  return { kid, publicJwk, privateJwkEnc, createdAt: now, retiredAt: null };
}

/** The key to sign with: the newest unretired one, created on first use. */
export async function currentDigestKey(env: KeyEnv, now: number = Date.now()): Promise<DigestSigningKey> {
  let row = await newestLiveKey(env);
  if (!row) {
    await insertUnlessLiveKeySince(env.DB, await newDigestKeyRow(env, now), Number.MIN_SAFE_INTEGER).run();
    row = await newestLiveKey(env);
    if (!row) throw new Error("no audit digest key after creating one");
  }
  const jwk = JSON.parse(await decryptField(row.privateJwkEnc, env.DATA_ENCRYPTION_KEY, ENCRYPTION_PURPOSE)) as JWK;
  return { kid: row.kid, privateKey: (await importJWK({ ...jwk, ext: false }, DIGEST_ALG)) as CryptoKey };
}

export interface DigestKeyRotation {
  created: string | null;
  retired: string[];
}

/**
 * The cron's job: a new current key when the current one is older than DIGEST_KEY_ROTATION_MS
 * (or there is none), the previous one retired, in one D1 batch. Running it twice (even at once)
 * makes at most one key.
 */
export async function rotateDigestKeys(env: KeyEnv, now: number = Date.now()): Promise<DigestKeyRotation> {
  const candidate = await newDigestKeyRow(env, now);
  const [inserted, retired] = await env.DB.batch<{ kid: string }>([
    insertUnlessLiveKeySince(env.DB, candidate, now - DIGEST_KEY_ROTATION_MS),
    env.DB.prepare(
      "UPDATE audit_digest_keys SET retired_at = ?1 WHERE retired_at IS NULL AND kid != ?2 AND EXISTS (SELECT 1 FROM audit_digest_keys WHERE kid = ?2) RETURNING kid",
    ).bind(now, candidate.kid),
  ]);
  return { created: (inserted?.meta.changes ?? 0) > 0 ? candidate.kid : null, retired: (retired?.results ?? []).map((r) => r.kid) };
}

/** Every digest key ever used, newest first: retired keys stay, old digests need them. */
export async function publishedDigestKeys(env: Pick<Env, "DB">): Promise<DigestPublicJwk[]> {
  const rows = await createDb(env.DB)
    .select()
    .from(auditDigestKeys)
    .orderBy(desc(auditDigestKeys.createdAt), desc(auditDigestKeys.kid))
    .all();
  return rows.map(toPublicJwk);
}

/** The public key of `kid`, for checking a digest this deployment signed earlier; null if unknown. */
export async function digestVerificationKey(env: Pick<Env, "DB">, kid: string): Promise<CryptoKey | null> {
  const row = await createDb(env.DB).select().from(auditDigestKeys).where(eq(auditDigestKeys.kid, kid)).get();
  if (!row) return null;
  const { kty, crv, x } = toPublicJwk(row);
  return (await importJWK({ kty, crv, x }, DIGEST_ALG)) as CryptoKey;
}

function toPublicJwk(row: AuditDigestKeyRow): DigestPublicJwk {
  const { x } = row.publicJwk as JWK;
  return {
    kty: "OKP",
    crv: "Ed25519",
    x: String(x),
    kid: row.kid,
    alg: DIGEST_ALG,
    use: "sig",
    created: new Date(row.createdAt).toISOString(),
    retired: row.retiredAt === null ? null : new Date(row.retiredAt).toISOString(),
  };
}

function newestLiveKey(env: Pick<Env, "DB">): Promise<AuditDigestKeyRow | undefined> {
  return createDb(env.DB)
    .select()
    .from(auditDigestKeys)
    .where(isNull(auditDigestKeys.retiredAt))
    .orderBy(desc(auditDigestKeys.createdAt), desc(auditDigestKeys.kid))
    .limit(1)
    .get();
}

/** INSERT unless a live key created after `since` exists, atomically in one statement. */
function insertUnlessLiveKeySince(db: D1Database, row: AuditDigestKeyRow, since: number): D1PreparedStatement {
  return db
    .prepare(
      "INSERT INTO audit_digest_keys (kid, public_jwk, private_jwk_enc, created_at) SELECT ?1, ?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 FROM audit_digest_keys WHERE retired_at IS NULL AND created_at > ?5)",
    )
    .bind(row.kid, JSON.stringify(row.publicJwk), row.privateJwkEnc, row.createdAt, since);
}
