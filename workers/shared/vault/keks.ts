/**
 * Key-encryption keys (KEKs) of the secrets vault, from the `VAULT_KEKS` wrangler secret: a
 * comma-separated list of high-entropy strings, newest first. The first wraps new data keys;
 * the others only unwrap, until the rewrap job (rewrap.ts) has moved every data key to the first
 * and the operator removes them (docs/secrets.md, "Rotating the KEK"). Each KEK's id is derived
 * from it (`kek_` + 12 hex of SHA-256), so nobody has to name keys and a typo cannot mislabel one.
 * The AES-256-GCM key itself is HKDF-SHA256 of the string (purpose-bound, like crypto/encryption.ts).
 */
import { sha256Hex } from "../crypto/sha256";
import { utf8 } from "../crypto/encoding";

export interface Kek {
  id: string;
  key: CryptoKey;
}

const MIN_KEK_LENGTH = 32;
const cache = new Map<string, Promise<Kek[]>>();

export function loadKeks(raw: string | undefined): Promise<Kek[]> {
  const value = (raw ?? "").trim();
  let keks = cache.get(value);
  if (!keks) {
    keks = parse(value);
    cache.set(value, keks);
    keks.catch(() => cache.delete(value));
  }
  return keks;
}

async function parse(value: string): Promise<Kek[]> {
  const secrets = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (secrets.length === 0)
    throw new Error("VAULT_KEKS is not set: the secrets vault needs at least one key-encryption key (wrangler secret put VAULT_KEKS).");
  return Promise.all(
    secrets.map(async (secret) => {
      if (secret.length < MIN_KEK_LENGTH)
        throw new Error(`every VAULT_KEKS entry must be at least ${MIN_KEK_LENGTH} characters of random data`);
      const material = await crypto.subtle.importKey("raw", utf8(secret), "HKDF", false, ["deriveKey"]);
      const key = await crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: utf8("switchboard/vault/v1"), info: utf8("vault-kek") },
        material,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      );
      return { id: `kek_${(await sha256Hex(secret)).slice(0, 12)}`, key };
    }),
  );
}
