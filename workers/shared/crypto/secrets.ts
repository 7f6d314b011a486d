/**
 * High-entropy bearer secrets (agent secrets, API keys, invite tokens): 32 random bytes behind a
 * readable prefix. They are stored as SHA-256 hashes: with 256 bits of entropy a slow KDF adds
 * nothing, and a fast hash keeps per-request API-key checks cheap.
 */
import { b64url, constantTimeEqual } from "./encoding";
import { sha256, sha256Hex } from "./sha256";

export function randomToken(bytes = 32): string {
  return b64url.encode(crypto.getRandomValues(new Uint8Array(bytes)));
}

export const hashSecret = sha256Hex;

export async function secretMatches(secret: string, storedHex: string): Promise<boolean> {
  const candidate = await sha256(secret);
  const stored = new Uint8Array(storedHex.match(/../g)?.map((h) => parseInt(h, 16)) ?? []);
  return constantTimeEqual(candidate, stored);
}
