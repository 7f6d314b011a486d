/**
 * Mints API keys in the format `api-key-auth.ts` parses: `sbk_<12 alphanumeric>_<43 b64url>`.
 * Only the prefix (to find the row) and a SHA-256 of the whole key are stored; the key itself is
 * returned to the creator once.
 */
import { hashSecret, randomToken } from "../../../shared/crypto/secrets";
import { API_KEY_PREFIX, parseApiKey } from "./api-key-auth";

const PREFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const PREFIX_LENGTH = 12;
/** The largest multiple of the alphabet size that fits in a byte: bytes at or above it are redrawn so every character is equally likely. */
const UNBIASED_BYTE_LIMIT = 256 - (256 % PREFIX_ALPHABET.length);

export interface IssuedApiKey {
  /** The full key, shown once. */
  key: string;
  /** What the row stores and looks the key up by (without `sbk_`). */
  prefix: string;
  secretHash: string;
}

export function randomKeyPrefix(): string {
  let prefix = "";
  while (prefix.length < PREFIX_LENGTH) {
    for (const byte of crypto.getRandomValues(new Uint8Array(PREFIX_LENGTH * 2))) {
      if (byte < UNBIASED_BYTE_LIMIT && prefix.length < PREFIX_LENGTH) prefix += PREFIX_ALPHABET[byte % PREFIX_ALPHABET.length];
    }
  }
  return prefix;
}

export async function generateApiKey(): Promise<IssuedApiKey> {
  const prefix = randomKeyPrefix();
  const key = `${API_KEY_PREFIX}${prefix}_${randomToken()}`;
  // The parser is the one definition of the format: a key it would refuse must never be handed out.
  if (parseApiKey(key)?.prefix !== prefix) throw new Error("generated API key does not match the API key format");
  return { key, prefix, secretHash: await hashSecret(key) };
}
