/** Envelope encryption round trip, ciphertext binding, and KEK rotation by re-wrapping, against real D1. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newId } from "../crypto/ids";
import { DEFAULT_TENANT_CONFIG } from "../schemas/tenant";
import { tenantDataKey } from "./data-keys";
import { open, seal, secretAad } from "./envelope";
import { loadKeks } from "./keks";
import { rewrapVaultKeys } from "./rewrap";

const KEK_A = "kek-a-0123456789abcdef0123456789abcdef-aaaa";
const KEK_B = "kek-b-0123456789abcdef0123456789abcdef-bbbb";

async function tenant(): Promise<string> {
  const id = newId("tenant");
  await env.DB.prepare("insert into tenants (id, name, plan, config) values (?, 'vault', 'free', ?)")
    .bind(id, JSON.stringify(DEFAULT_TENANT_CONFIG))
    .run();
  return id;
}

describe("vault envelope encryption", () => {
  it("round-trips a value, and a ciphertext only opens for its own tenant, secret and version", async () => {
    const tenantId = await tenant();
    const vaultEnv = { DB: env.DB, VAULT_KEKS: KEK_A };
    const dek = (await tenantDataKey(vaultEnv, tenantId, { create: true }))!;
    const sealed = await seal(dek.key, new TextEncoder().encode("ghp_example_token_value"), secretAad(tenantId, "sec_1", 1));
    expect(sealed).not.toContain("ghp_example");
    expect(new TextDecoder().decode(await open(dek.key, sealed, secretAad(tenantId, "sec_1", 1)))).toBe("ghp_example_token_value");
    await expect(open(dek.key, sealed, secretAad(tenantId, "sec_1", 2))).rejects.toThrow();
    await expect(open(dek.key, sealed, secretAad(tenantId, "sec_2", 1))).rejects.toThrow();
    await expect(open(dek.key, sealed, secretAad("ten_other", "sec_1", 1))).rejects.toThrow();
    // One data key per tenant, stored only wrapped.
    const again = (await tenantDataKey(vaultEnv, tenantId, { create: true }))!;
    expect(again.vaultKeyId).toBe(dek.vaultKeyId);
    const row = await env.DB.prepare("select kek_id, wrapped_key from vault_keys where tenant_id = ?")
      .bind(tenantId)
      .first<{ kek_id: string; wrapped_key: string }>();
    expect(row!.kek_id).toBe((await loadKeks(KEK_A))[0]!.id);
    expect(row!.wrapped_key).toMatch(/^v1\./);
  });

  it("concurrent first uses converge on one data key", async () => {
    const tenantId = await tenant();
    const keys = await Promise.all(
      Array.from({ length: 5 }, () => tenantDataKey({ DB: env.DB, VAULT_KEKS: KEK_A }, tenantId, { create: true })),
    );
    expect(new Set(keys.map((k) => k!.vaultKeyId)).size).toBe(1);
  });

  it("rotates the KEK without touching secrets: rewrap moves every data key, then the old KEK can go", async () => {
    const tenantId = await tenant();
    const dek = (await tenantDataKey({ DB: env.DB, VAULT_KEKS: KEK_A }, tenantId, { create: true }))!;
    const sealed = await seal(dek.key, new TextEncoder().encode("value-before-rotation"), secretAad(tenantId, "sec_r", 1));

    // Step 1: the new KEK first, the old one kept. Old rows still open (by their kek_id).
    const both = { DB: env.DB, VAULT_KEKS: `${KEK_B},${KEK_A}` };
    const [kekB, kekA] = await loadKeks(both.VAULT_KEKS);
    const stillOpens = (await tenantDataKey(both, tenantId, { create: false }))!;
    expect(new TextDecoder().decode(await open(stillOpens.key, sealed, secretAad(tenantId, "sec_r", 1)))).toBe("value-before-rotation");

    // Step 2: rewrap (idempotent: a second run moves nothing).
    const first = await rewrapVaultKeys(both, { limit: 10_000 });
    expect(first.currentKekId).toBe(kekB!.id);
    expect(first.rewrapped).toBeGreaterThanOrEqual(1);
    expect(first.remaining).toBe(0);
    expect((await rewrapVaultKeys(both)).rewrapped).toBe(0);
    const row = await env.DB.prepare("select kek_id, rewrapped_at from vault_keys where tenant_id = ?")
      .bind(tenantId)
      .first<{ kek_id: string; rewrapped_at: number }>();
    expect(row!.kek_id).toBe(kekB!.id);
    expect(row!.rewrapped_at).toBeGreaterThan(0);

    // Step 3: the old KEK removed — the same secret still opens, with the same data key.
    const onlyB = (await tenantDataKey({ DB: env.DB, VAULT_KEKS: KEK_B }, tenantId, { create: false }))!;
    expect(new TextDecoder().decode(await open(onlyB.key, sealed, secretAad(tenantId, "sec_r", 1)))).toBe("value-before-rotation");
    // …and the old KEK alone no longer can.
    await expect(tenantDataKey({ DB: env.DB, VAULT_KEKS: KEK_A }, tenantId, { create: false })).rejects.toThrow(/not in VAULT_KEKS/);
    expect(kekA!.id).not.toBe(kekB!.id);
  });

  it("reports data keys whose KEK is missing instead of failing the whole job", async () => {
    const tenantId = await tenant();
    await tenantDataKey({ DB: env.DB, VAULT_KEKS: "kek-lost-0123456789abcdef0123456789abcdef" }, tenantId, { create: true });
    const result = await rewrapVaultKeys({ DB: env.DB, VAULT_KEKS: KEK_B }, { limit: 10_000 });
    expect(result.missingKekIds.length).toBeGreaterThanOrEqual(1);
    expect(result.remaining).toBeGreaterThanOrEqual(1);
  });

  it("refuses a missing or short VAULT_KEKS", async () => {
    await expect(loadKeks("")).rejects.toThrow(/VAULT_KEKS/);
    await expect(loadKeks("short")).rejects.toThrow(/at least/);
  });
});
