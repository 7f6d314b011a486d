/**
 * A tenant's Agent Card signing keys (table `card_signing_keys`, docs/a2a.md "Signing keys").
 *
 * Separate from the agent-token keys (workers/shared/agent-identity/signing-keys.ts) on purpose:
 *  - lifetime: a token key must verify for ~15 minutes after retirement, a card key for as long as a
 *    fetched card may be cached and re-presented (CARD_KEY_RETENTION_MS, 90 days);
 *  - scope: token keys are platform-wide, card keys are per tenant, so one tenant's JWKS verifies
 *    only that tenant's cards and a tenant's keys can be rotated without touching anyone else's;
 *  - algorithm: ES256 (the algorithm A2A examples and most JOSE verifiers support), while tokens
 *    stay EdDSA.
 * Lifecycle as the token keys: the newest non-retired key signs; rotation retires the others, which
 * stay published in the tenant's card JWKS until `expiresAt`. Private keys are AES-GCM encrypted
 * at rest (DATA_ENCRYPTION_KEY, purpose "card-signing-key").
 */
import { and, desc, eq, gt, isNull, or } from "drizzle-orm";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import { decryptField, encryptField } from "../../../../shared/crypto/encryption";
import { createDb } from "../../../../shared/db/client";
import { cardSigningKeys, type CardSigningKeyRow } from "../../../../shared/db/schema";

type KeyEnv = Pick<Env, "DB" | "DATA_ENCRYPTION_KEY">;

export const CARD_KEY_ALG = "ES256" as const;
const ENCRYPTION_PURPOSE = "card-signing-key";
/** How long a retired card key stays in the JWKS: cards signed with it verify that long after a rotation. */
export const CARD_KEY_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;

export type CardPublicJwk = { kty: string; crv?: string; x?: string; y?: string; kid: string; alg: typeof CARD_KEY_ALG; use: "sig" };

export interface CardSigningKey {
  kid: string;
  alg: typeof CARD_KEY_ALG;
  privateKey: CryptoKey;
}

async function newKeyRow(env: Pick<Env, "DATA_ENCRYPTION_KEY">, tenantId: string, now: number): Promise<CardSigningKeyRow> {
  const { publicKey, privateKey } = await generateKeyPair(CARD_KEY_ALG, { extractable: true });
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub);
  const publicJwk: CardPublicJwk = { kty: pub.kty!, crv: pub.crv, x: pub.x, y: pub.y, kid, alg: CARD_KEY_ALG, use: "sig" };
  // The tenant is bound as part of the purpose, so a ciphertext cannot be moved to another tenant's row.
  const privateJwkEnc = await encryptField(
    JSON.stringify(await exportJWK(privateKey)),
    env.DATA_ENCRYPTION_KEY,
    `${ENCRYPTION_PURPOSE}:${tenantId}`,
  );
  return { kid, tenantId, alg: CARD_KEY_ALG, publicJwk, privateJwkEnc, createdAt: now, retiredAt: null, expiresAt: null };
}

/** The tenant's signing key; created on first use (racing first requests converge on one by a conditional insert). */
export async function currentCardKey(env: KeyEnv, tenantId: string, now: number = Date.now()): Promise<CardSigningKey> {
  let row = await newestLiveKey(env, tenantId);
  if (!row) {
    await insertUnlessLiveKey(env.DB, await newKeyRow(env, tenantId, now), Number.MIN_SAFE_INTEGER).run();
    row = await newestLiveKey(env, tenantId);
    if (!row) throw new Error("no card signing key after creating one");
  }
  return { kid: row.kid, alg: row.alg, privateKey: await privateKeyOf(env, row) };
}

export interface CardKeyRotation {
  created: string;
  retired: string[];
  deleted: string[];
}

/**
 * A new signing key for the tenant; the previous ones are retired (still published and verifying
 * until now + CARD_KEY_RETENTION_MS); keys past their expiry are deleted. One D1 batch.
 */
export async function rotateCardKeys(env: KeyEnv, tenantId: string, now: number = Date.now()): Promise<CardKeyRotation> {
  const row = await newKeyRow(env, tenantId, now);
  const [, retired, deleted] = await env.DB.batch<{ kid: string }>([
    insertUnlessLiveKey(env.DB, row, Number.MAX_SAFE_INTEGER),
    env.DB.prepare(
      "UPDATE card_signing_keys SET retired_at = ?1, expires_at = ?2 WHERE tenant_id = ?3 AND retired_at IS NULL AND kid != ?4 RETURNING kid",
    ).bind(now, now + CARD_KEY_RETENTION_MS, tenantId, row.kid),
    env.DB.prepare("DELETE FROM card_signing_keys WHERE tenant_id = ?1 AND expires_at IS NOT NULL AND expires_at <= ?2 RETURNING kid").bind(
      tenantId,
      now,
    ),
  ]);
  return { created: row.kid, retired: (retired?.results ?? []).map((r) => r.kid), deleted: (deleted?.results ?? []).map((r) => r.kid) };
}

/** The tenant's card JWKS: every key not expired (current first, then retired), public members only. */
export async function publishedCardKeys(env: Pick<Env, "DB">, tenantId: string, now: number = Date.now()): Promise<CardPublicJwk[]> {
  const rows = await createDb(env.DB)
    .select({ kid: cardSigningKeys.kid, publicJwk: cardSigningKeys.publicJwk })
    .from(cardSigningKeys)
    .where(and(eq(cardSigningKeys.tenantId, tenantId), or(isNull(cardSigningKeys.expiresAt), gt(cardSigningKeys.expiresAt, now))))
    .orderBy(desc(cardSigningKeys.createdAt), desc(cardSigningKeys.kid))
    .all();
  return rows.map(({ kid, publicJwk }) => {
    const { kty, crv, x, y } = publicJwk as JWK;
    return { kty: String(kty), ...(crv ? { crv } : {}), ...(x ? { x } : {}), ...(y ? { y } : {}), kid, alg: CARD_KEY_ALG, use: "sig" };
  });
}

/** Decrypted private keys by kid (a key's private half never changes). */
const privateKeys = new Map<string, Promise<CryptoKey>>();

function privateKeyOf(env: Pick<Env, "DATA_ENCRYPTION_KEY">, row: CardSigningKeyRow): Promise<CryptoKey> {
  let key = privateKeys.get(row.kid);
  if (!key) {
    key = (async () => {
      const jwk = JSON.parse(
        await decryptField(row.privateJwkEnc, env.DATA_ENCRYPTION_KEY, `${ENCRYPTION_PURPOSE}:${row.tenantId}`),
      ) as JWK;
      return (await importJWK({ ...jwk, ext: false }, row.alg)) as CryptoKey;
    })();
    key.catch(() => privateKeys.delete(row.kid));
    privateKeys.set(row.kid, key);
  }
  return key;
}

function newestLiveKey(env: Pick<Env, "DB">, tenantId: string): Promise<CardSigningKeyRow | undefined> {
  return createDb(env.DB)
    .select()
    .from(cardSigningKeys)
    .where(and(eq(cardSigningKeys.tenantId, tenantId), isNull(cardSigningKeys.retiredAt)))
    .orderBy(desc(cardSigningKeys.createdAt), desc(cardSigningKeys.kid))
    .limit(1)
    .get();
}

/** INSERT unless the tenant has a live key created after `since` (MAX_SAFE_INTEGER: always insert). One statement, so concurrent creators converge. */
function insertUnlessLiveKey(db: D1Database, row: CardSigningKeyRow, since: number): D1PreparedStatement {
  return db
    .prepare(
      "INSERT INTO card_signing_keys (kid, tenant_id, alg, public_jwk, private_jwk_enc, created_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE NOT EXISTS (SELECT 1 FROM card_signing_keys WHERE tenant_id = ?2 AND retired_at IS NULL AND created_at > ?7)",
    )
    .bind(row.kid, row.tenantId, row.alg, JSON.stringify(row.publicJwk), row.privateJwkEnc, row.createdAt, since);
}
