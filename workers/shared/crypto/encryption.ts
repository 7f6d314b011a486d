/**
 * Field encryption at rest (TOTP secrets today, signing keys later): AES-256-GCM with a key
 * derived by HKDF-SHA256 from the DATA_ENCRYPTION_KEY secret and a per-purpose label, so one
 * secret yields independent keys per use. Output: `v1.<iv b64url>.<ciphertext b64url>`.
 * The purpose is also bound as additional authenticated data, so a value cannot be moved
 * between columns.
 */
import { b64url, utf8 } from "./encoding";

const cache = new Map<string, Promise<CryptoKey>>();

function keyFor(secret: string, purpose: string): Promise<CryptoKey> {
  const id = `${purpose}\u0000${secret}`;
  let key = cache.get(id);
  if (!key) {
    key = (async () => {
      const material = await crypto.subtle.importKey("raw", utf8(secret), "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: utf8("switchboard/v1"), info: utf8(purpose) },
        material,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      );
    })();
    cache.set(id, key);
  }
  return key;
}

export async function encryptField(plaintext: string, secret: string, purpose: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: utf8(purpose) },
    await keyFor(secret, purpose),
    utf8(plaintext),
  );
  return `v1.${b64url.encode(iv)}.${b64url.encode(new Uint8Array(sealed))}`;
}

export async function decryptField(sealed: string, secret: string, purpose: string): Promise<string> {
  const [version, iv, data] = sealed.split(".");
  if (version !== "v1" || !iv || !data) throw new Error("unknown encrypted field format");
  const plain = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: b64url.decode(iv), additionalData: utf8(purpose) },
    await keyFor(secret, purpose),
    b64url.decode(data),
  );
  return new TextDecoder().decode(plain);
}
