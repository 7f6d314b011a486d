/**
 * Envelope encryption: a secret's value is sealed with its tenant's data key (DEK); the DEK is
 * stored only sealed by a KEK. Both layers are AES-256-GCM with a fresh 96-bit IV and additional
 * authenticated data naming what the ciphertext belongs to — `vault-dek|<tenant>|<kek id>` for a
 * data key, `vault-secret|<tenant>|<secret>|<version>` for a value — so a ciphertext copied to
 * another tenant, secret or version fails to open instead of decrypting as someone else's.
 * Format of both: `v1.<iv b64url>.<ciphertext b64url>` (crypto/encryption.ts's format).
 */
import { b64url, utf8 } from "../crypto/encoding";

export const DEK_BYTES = 32;

export async function seal(key: CryptoKey, plaintext: Uint8Array, aad: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: utf8(aad) }, key, plaintext as Uint8Array<ArrayBuffer>);
  return `v1.${b64url.encode(iv)}.${b64url.encode(new Uint8Array(sealed))}`;
}

export async function open(key: CryptoKey, sealed: string, aad: string): Promise<Uint8Array> {
  const [version, iv, data] = sealed.split(".");
  if (version !== "v1" || !iv || !data) throw new Error("unknown vault ciphertext format");
  return new Uint8Array(
    await crypto.subtle.decrypt({ name: "AES-GCM", iv: b64url.decode(iv), additionalData: utf8(aad) }, key, b64url.decode(data)),
  );
}

export const dekAad = (tenantId: string, kekId: string) => `vault-dek|${tenantId}|${kekId}`;
export const secretAad = (tenantId: string, secretId: string, version: number) => `vault-secret|${tenantId}|${secretId}|${version}`;

export function importDek(raw: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", raw as Uint8Array<ArrayBuffer>, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
}
