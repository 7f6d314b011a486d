/**
 * Password hashing: PBKDF2-SHA256 through WebCrypto.
 *
 * Deployed Workers refuse more than 100,000 PBKDF2 iterations (local workerd has no cap, so a
 * higher count passes every local test and fails in production), so we use exactly the cap and
 * make up for it with a pepper: the password is first HMAC-SHA256'd with PASSWORD_PEPPER, a
 * wrangler secret that never sits in D1, so a stolen database alone cannot be brute-forced.
 * The stored string records algorithm, iterations and salt, so the cost can be raised later and
 * old hashes upgraded on the next successful login (`needsRehash`).
 */
import { b64url, constantTimeEqual, utf8 } from "./encoding";

export const PBKDF2_ITERATIONS = 100_000;
export { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../auth/password-policy";
const SALT_BYTES = 16;
const HASH_BITS = 256;

async function pepper(password: string, pepperSecret: string): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey("raw", utf8(pepperSecret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, utf8(password.normalize("NFKC"))));
}

async function derive(password: string, pepperSecret: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const material = await crypto.subtle.importKey("raw", await pepper(password, pepperSecret), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, material, HASH_BITS);
  return new Uint8Array(bits);
}

export async function hashPassword(password: string, pepperSecret: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const hash = await derive(password, pepperSecret, salt, PBKDF2_ITERATIONS);
  return `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${b64url.encode(salt)}$${b64url.encode(hash)}`;
}

export function parsePasswordHash(stored: string): { iterations: number; salt: Uint8Array<ArrayBuffer>; hash: Uint8Array } | null {
  const [algorithm, iterations, salt, hash] = stored.split("$");
  if (algorithm !== "pbkdf2-sha256" || !iterations || !salt || !hash) return null;
  return { iterations: Number(iterations), salt: new Uint8Array(b64url.decode(salt)), hash: b64url.decode(hash) };
}

export async function verifyPassword(password: string, stored: string, pepperSecret: string): Promise<boolean> {
  const parsed = parsePasswordHash(stored);
  if (!parsed || parsed.iterations > PBKDF2_ITERATIONS) return false;
  const candidate = await derive(password, pepperSecret, parsed.salt, parsed.iterations);
  return constantTimeEqual(candidate, parsed.hash);
}

export function needsRehash(stored: string): boolean {
  return parsePasswordHash(stored)?.iterations !== PBKDF2_ITERATIONS;
}

/**
 * A fixed, valid hash to verify against when the account does not exist, so that "no such user"
 * takes as long as "wrong password" and login timing does not reveal which emails have accounts.
 */
export const DUMMY_PASSWORD_HASH = `pbkdf2-sha256$${PBKDF2_ITERATIONS}$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;
