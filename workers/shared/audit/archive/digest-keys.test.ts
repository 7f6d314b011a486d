/**
 * Digest signing keys against real D1: created once under a race, encrypted at rest under their
 * own purpose, a kid space apart from agent-token keys, rotation that makes at most one key per
 * interval, and retired keys that stay published and still verify what they signed.
 */
import { env } from "cloudflare:workers";
import { calculateJwkThumbprint, importJWK } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import { decryptField } from "../../crypto/encryption";
import { digestSignatureValid, signDigest, type UnsignedDigest } from "./digest";
import { currentDigestKey, DIGEST_KEY_ROTATION_MS, digestVerificationKey, publishedDigestKeys, rotateDigestKeys } from "./digest-keys";

const rows = async () =>
  (await env.DB.prepare("select * from audit_digest_keys order by created_at, kid").all<Record<string, any>>()).results;

const UNSIGNED: Omit<UnsignedDigest, "kid"> = {
  digestVersion: 1,
  chainSchemeVersion: 1,
  chainId: "ten_x",
  tenantId: "ten_x",
  day: "2026-11-30",
  fromSeq: 1,
  toSeq: 0,
  count: 0,
  prevHash: "0".repeat(64),
  firstHash: null,
  lastHash: "0".repeat(64),
  archive: null,
  previousDigest: null,
  signedAt: "2026-12-01T03:00:00.000Z",
  alg: "EdDSA",
};

beforeEach(async () => {
  await env.DB.prepare("delete from audit_digest_keys").run();
});

describe("digest signing keys", () => {
  it("converge on one key when first uses race; the kid is adk_ + the RFC 7638 thumbprint", async () => {
    const keys = await Promise.all(Array.from({ length: 5 }, () => currentDigestKey(env)));
    expect(new Set(keys.map((k) => k.kid)).size).toBe(1);
    const [row] = await rows();
    const jwk = JSON.parse(row!.public_jwk);
    expect(row!.kid).toBe(`adk_${await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x })}`);
    expect(keys[0]!.privateKey.extractable).toBe(false);
  });

  it("store the private key encrypted under their own purpose, never in the public column", async () => {
    await currentDigestKey(env);
    const [row] = await rows();
    expect(row!.public_jwk).not.toContain('"d"');
    expect(row!.private_jwk_enc).toMatch(/^v1\./);
    expect(JSON.parse(await decryptField(row!.private_jwk_enc, env.DATA_ENCRYPTION_KEY, "audit-digest-key")).d).toEqual(expect.any(String));
    await expect(decryptField(row!.private_jwk_enc, env.DATA_ENCRYPTION_KEY, "signing-key")).rejects.toThrow();
  });

  it("rotate at most once per interval, even when runs race; retired keys stay published and verify", async () => {
    const t0 = Date.now();
    const first = await currentDigestKey(env, t0);
    const signed = await signDigest({ ...UNSIGNED, kid: first.kid }, first.privateKey);
    expect(await rotateDigestKeys(env, t0 + DIGEST_KEY_ROTATION_MS - 1000)).toEqual({ created: null, retired: [] });

    const t1 = t0 + DIGEST_KEY_ROTATION_MS + 1000;
    const runs = await Promise.all([rotateDigestKeys(env, t1), rotateDigestKeys(env, t1), rotateDigestKeys(env, t1)]);
    const created = runs.map((r) => r.created).filter((k): k is string => k !== null);
    expect(created).toHaveLength(1);
    expect(runs.flatMap((r) => r.retired)).toEqual([first.kid]);
    expect((await currentDigestKey(env)).kid).toBe(created[0]);

    const published = await publishedDigestKeys(env);
    expect(published.map((k) => [k.kid, k.retired])).toEqual([
      [created[0], null],
      [first.kid, new Date(t1).toISOString()],
    ]);
    expect(published[1]!.created).toBe(new Date(t0).toISOString());
    // The retired key still verifies what it signed; a tampered digest fails.
    const key = await digestVerificationKey(env, first.kid);
    expect(await digestSignatureValid(signed, key!)).toBe(true);
    expect(await digestSignatureValid({ ...signed, count: 1 }, key!)).toBe(false);
    const fromPublished = (await importJWK({ kty: "OKP", crv: "Ed25519", x: published[1]!.x }, "EdDSA")) as CryptoKey;
    expect(await digestSignatureValid(signed, fromPublished)).toBe(true);
    expect(await digestVerificationKey(env, "adk_unknown")).toBeNull();
  });
});
