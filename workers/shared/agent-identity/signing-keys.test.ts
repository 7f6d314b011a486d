/**
 * Signing-key lifecycle against real D1: lazy creation under a race, encryption at rest, rotation
 * (including duplicate and concurrent cron runs), publication and expiry. Each test starts from
 * an empty table and uses its own clock, since rotation decisions depend on key ages.
 */
import { env } from "cloudflare:workers";
import { calculateJwkThumbprint } from "jose";
import { beforeEach, describe, expect, it } from "vitest";
import { decryptField } from "../crypto/encryption";
import {
  currentSigningKey,
  MIN_KEY_AGE_FOR_ROTATION_MS,
  newSigningKeyRow,
  publishedKeys,
  RETIRED_KEY_LIFETIME_MS,
  rotateSigningKeys,
  verificationKey,
} from "./signing-keys";
import { AGENT_TOKEN_TTL_SECONDS, CLOCK_SKEW_SECONDS } from "./claims";

interface KeyRow {
  kid: string;
  alg: string;
  public_jwk: string;
  private_jwk_enc: string;
  created_at: number;
  retired_at: number | null;
  expires_at: number | null;
}

const HOUR = 60 * 60 * 1000;

async function rows(): Promise<KeyRow[]> {
  return (await env.DB.prepare("select * from signing_keys order by created_at, kid").all<KeyRow>()).results;
}
const live = async () => (await rows()).filter((r) => r.retired_at === null);

beforeEach(async () => {
  await env.DB.prepare("delete from signing_keys").run();
});

describe("the current signing key", () => {
  it("is created on first use, as an Ed25519 key whose kid is its RFC 7638 thumbprint", async () => {
    const key = await currentSigningKey(env);
    const [row] = await rows();
    expect(row!.kid).toBe(key.kid);
    expect(key.alg).toBe("EdDSA");
    const jwk = JSON.parse(row!.public_jwk);
    expect(jwk).toEqual({ kty: "OKP", crv: "Ed25519", x: expect.any(String), kid: key.kid, alg: "EdDSA", use: "sig" });
    expect(await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x })).toBe(key.kid);
    expect(key.privateKey.extractable).toBe(false);
  });

  it("converges on one key when several first requests race", async () => {
    const keys = await Promise.all(Array.from({ length: 6 }, () => currentSigningKey(env)));
    expect(new Set(keys.map((k) => k.kid)).size).toBe(1);
    expect(await rows()).toHaveLength(1);
  });

  it("stores the private key only encrypted (purpose signing-key), never in the public column", async () => {
    const key = await currentSigningKey(env);
    const [row] = await rows();
    expect(row!.private_jwk_enc).toMatch(/^v1\./);
    expect(row!.private_jwk_enc).not.toContain('"d":');
    expect(row!.public_jwk).not.toContain('"d"');
    const jwk = JSON.parse(await decryptField(row!.private_jwk_enc, env.DATA_ENCRYPTION_KEY, "signing-key"));
    expect(jwk).toMatchObject({ kty: "OKP", crv: "Ed25519", d: expect.any(String) });
    expect(row!.private_jwk_enc).not.toContain(jwk.d);
    await expect(decryptField(row!.private_jwk_enc, env.DATA_ENCRYPTION_KEY, "totp")).rejects.toThrow();
    expect(key.kid).toBe(row!.kid);
  });

  it("retires a key it cannot decrypt (DATA_ENCRYPTION_KEY rotated) and signs with a fresh one", async () => {
    const t0 = Date.now();
    const stale = await newSigningKeyRow({ DATA_ENCRYPTION_KEY: "the-previous-data-encryption-key-0123456789" }, t0);
    await env.DB.prepare("insert into signing_keys (kid, alg, public_jwk, private_jwk_enc, created_at) values (?, ?, ?, ?, ?)")
      .bind(stale.kid, stale.alg, JSON.stringify(stale.publicJwk), stale.privateJwkEnc, t0)
      .run();
    const key = await currentSigningKey(env, t0);
    expect(key.kid).not.toBe(stale.kid);
    const old = (await rows()).find((r) => r.kid === stale.kid)!;
    expect(old).toMatchObject({ retired_at: t0, expires_at: t0 + RETIRED_KEY_LIFETIME_MS });
    // Its public half still verifies what it signed until then.
    expect(await verificationKey(env, stale.kid, t0)).not.toBeNull();
    expect((await live()).map((r) => r.kid)).toEqual([key.kid]);
  });
});

describe("rotation", () => {
  it("creates a new current key and retires the old one for TTL + skew + margin", async () => {
    const t0 = Date.now();
    const first = await currentSigningKey(env, t0);
    const t1 = t0 + 2 * HOUR;
    const result = await rotateSigningKeys(env, t1);
    expect(result.created).not.toBeNull();
    expect(result.retired).toEqual([first.kid]);
    expect(result.deleted).toEqual([]);

    const all = await rows();
    const old = all.find((r) => r.kid === first.kid)!;
    expect(old.retired_at).toBe(t1);
    expect(old.expires_at).toBe(t1 + RETIRED_KEY_LIFETIME_MS);
    expect(RETIRED_KEY_LIFETIME_MS).toBeGreaterThanOrEqual((AGENT_TOKEN_TTL_SECONDS + CLOCK_SKEW_SECONDS) * 1000);
    expect((await live()).map((r) => r.kid)).toEqual([result.created]);
    expect((await currentSigningKey(env, t1)).kid).toBe(result.created);
  });

  it("run twice within the minimum key age (a duplicate cron delivery) keeps the same single current key", async () => {
    const t0 = Date.now();
    await currentSigningKey(env, t0);
    const first = await rotateSigningKeys(env, t0 + 2 * HOUR);
    const again = await rotateSigningKeys(env, t0 + 2 * HOUR + 10 * 60 * 1000);
    expect(again).toEqual({ created: null, retired: [], deleted: [] });
    expect((await live()).map((r) => r.kid)).toEqual([first.created]);
    expect(await rows()).toHaveLength(2);

    // Once the current key is past the minimum age, the next run rotates again.
    const later = await rotateSigningKeys(env, t0 + 2 * HOUR + MIN_KEY_AGE_FOR_ROTATION_MS + 1);
    expect(later.created).not.toBeNull();
    expect(later.retired).toEqual([first.created]);
  });

  it("run concurrently, makes one new key and leaves exactly one current key", async () => {
    const t0 = Date.now();
    await currentSigningKey(env, t0);
    const results = await Promise.all([
      rotateSigningKeys(env, t0 + 2 * HOUR),
      rotateSigningKeys(env, t0 + 2 * HOUR),
      rotateSigningKeys(env, t0 + 2 * HOUR),
    ]);
    expect(results.filter((r) => r.created !== null)).toHaveLength(1);
    expect(await live()).toHaveLength(1);
    expect(await rows()).toHaveLength(2);
  });

  it("with no key at all, just creates one", async () => {
    const result = await rotateSigningKeys(env, Date.now());
    expect(result.created).not.toBeNull();
    expect(result.retired).toEqual([]);
    expect(await rows()).toHaveLength(1);
  });

  it("retires every older live key, e.g. two left by an earlier race", async () => {
    const t0 = Date.now();
    for (const kid of ["a".repeat(43), "b".repeat(43)]) {
      await env.DB.prepare(
        "insert into signing_keys (kid, alg, public_jwk, private_jwk_enc, created_at) values (?, 'EdDSA', '{}', 'v1.x.y', ?)",
      )
        .bind(kid, t0)
        .run();
    }
    const result = await rotateSigningKeys(env, t0 + 2 * HOUR);
    expect(result.retired.sort()).toEqual(["a".repeat(43), "b".repeat(43)]);
    expect((await live()).map((r) => r.kid)).toEqual([result.created]);
  });
});

describe("publication and expiry", () => {
  it("publishes current and retired keys until the retired one expires, then rotation deletes it", async () => {
    const t0 = Date.now();
    const first = await currentSigningKey(env, t0);
    const t1 = t0 + 2 * HOUR;
    const { created } = await rotateSigningKeys(env, t1);
    expect((await publishedKeys(env, t1)).map((k) => k.kid)).toEqual([created, first.kid]);
    for (const jwk of await publishedKeys(env, t1)) expect(Object.keys(jwk).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x"]);

    const expiry = t1 + RETIRED_KEY_LIFETIME_MS;
    expect((await publishedKeys(env, expiry - 1)).map((k) => k.kid)).toContain(first.kid);
    expect(await verificationKey(env, first.kid, expiry - 1)).not.toBeNull();
    // At expiresAt the key is gone from the JWKS and refused, even before the row is deleted.
    expect((await publishedKeys(env, expiry)).map((k) => k.kid)).toEqual([created]);
    expect(await verificationKey(env, first.kid, expiry)).toBeNull();

    const cleanup = await rotateSigningKeys(env, expiry);
    expect(cleanup.deleted).toEqual([first.kid]);
    expect((await rows()).map((r) => r.kid)).not.toContain(first.kid);
  });

  it("never publishes a private member, even if one was stored in the public column", async () => {
    const key = await currentSigningKey(env);
    await env.DB.prepare("update signing_keys set public_jwk = json_set(public_jwk, '$.d', 'leaked') where kid = ?").bind(key.kid).run();
    const [jwk] = await publishedKeys(env);
    expect(jwk).not.toHaveProperty("d");
  });
});

describe("verification keys", () => {
  it("finds a key by kid, and answers null for unknown or malformed kids", async () => {
    const key = await currentSigningKey(env);
    const found = await verificationKey(env, key.kid);
    expect(found).toMatchObject({ kid: key.kid, alg: "EdDSA", expiresAt: null });
    expect(found!.key.type).toBe("public");
    expect(await verificationKey(env, "z".repeat(43))).toBeNull();
    expect(await verificationKey(env, "../../etc/passwd")).toBeNull();
    expect(await verificationKey(env, "")).toBeNull();
  });

  it("bounds the D1 lookups a flood of made-up kids can cause", async () => {
    const queries: string[] = [];
    const spy = {
      DB: new Proxy(env.DB, {
        get(target, prop, receiver) {
          if (prop === "prepare") return (sqlText: string) => (queries.push(sqlText), target.prepare(sqlText));
          const value = Reflect.get(target, prop, receiver);
          return typeof value === "function" ? value.bind(target) : value;
        },
      }),
    };
    const made = Array.from({ length: 100 }, (_, i) => `flood${String(i).padStart(3, "0")}`.padEnd(43, "x"));
    const results = await Promise.all(made.map((kid) => verificationKey(spy, kid)));
    expect(results.every((r) => r === null)).toBe(true);
    expect(queries.length).toBeGreaterThan(0);
    expect(queries.length).toBeLessThanOrEqual(10);
    // A kid already looked up is remembered, not looked up again.
    const before = queries.length;
    await verificationKey(spy, made[0]!);
    expect(queries.length).toBe(before);
  });
});
