/**
 * MFA recovery codes: ten one-time codes, shown once (at enrolment and on regeneration) and stored
 * as SHA-256 hashes. Each is 12 characters from a 32-letter alphabet without look-alikes (no l, o,
 * 0, 1), so 60 random bits, written `abcd-efgh-ijkm`. Input is forgiving about case, spaces and
 * dashes; the canonical form is what gets hashed.
 */
import { and, count, eq, exists, isNull, sql, type SQL } from "drizzle-orm";
import { newId } from "../../../shared/crypto/ids";
import { hashSecret } from "../../../shared/crypto/secrets";
import type { Database } from "../../../shared/db/client";
import { recoveryCodes, users } from "../../../shared/db/schema";

export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";
const GROUPS = 3;
const GROUP_LENGTH = 4;

export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    // 32 symbols: masking a random byte to 5 bits is unbiased.
    const chars = [...crypto.getRandomValues(new Uint8Array(GROUPS * GROUP_LENGTH))].map((b) => ALPHABET[b & 31]).join("");
    return formatCode(chars);
  });
}

/** The canonical `abcd-efgh-ijkm` form of what a person typed, or null if it cannot be a recovery code. */
export function normaliseRecoveryCode(input: string): string | null {
  const chars = input.toLowerCase().replace(/[\s-]/g, "");
  if (chars.length !== GROUPS * GROUP_LENGTH || [...chars].some((ch) => !ALPHABET.includes(ch))) return null;
  return formatCode(chars);
}

function formatCode(chars: string): string {
  return chars.match(new RegExp(`.{${GROUP_LENGTH}}`, "g"))!.join("-");
}

/**
 * Statements (for one `db.batch`) that replace the user's recovery codes with `codes`, but only if
 * `userGuard` — a condition on the `users` row — holds when the batch runs. The guard lets the
 * caller tie the new codes to its own change of that row (e.g. "MFA was enabled by this request").
 */
export async function replaceRecoveryCodesStatements(db: Database, userId: string, codes: string[], userGuard: SQL, now = Date.now()) {
  const rows = await Promise.all(codes.map(async (code) => sql`(${newId("recoveryCode", now)}, ${await hashSecret(code)})`));
  const guard = exists(
    db
      .select({ one: sql`1` })
      .from(users)
      .where(and(eq(users.id, userId), userGuard)),
  );
  return [
    db.delete(recoveryCodes).where(and(eq(recoveryCodes.userId, userId), guard)),
    // One INSERT … SELECT for all codes, so the guard is evaluated once for the whole set.
    db
      .insert(recoveryCodes)
      .select(sql`SELECT v.column1, ${userId}, v.column2, ${now}, NULL FROM (VALUES ${sql.join(rows, sql`, `)}) AS v WHERE ${guard}`),
  ] as const;
}

/** Spends one of the user's recovery codes; false if it is not one of theirs or was already used. */
export async function consumeRecoveryCode(db: Database, userId: string, input: string): Promise<boolean> {
  const code = normaliseRecoveryCode(input);
  if (!code) return false;
  const result = await db
    .update(recoveryCodes)
    .set({ usedAt: Date.now() })
    .where(and(eq(recoveryCodes.userId, userId), eq(recoveryCodes.codeHash, await hashSecret(code)), isNull(recoveryCodes.usedAt)))
    .run();
  return result.meta.changes === 1;
}

export async function remainingRecoveryCodes(db: Database, userId: string): Promise<number> {
  const row = await db
    .select({ n: count() })
    .from(recoveryCodes)
    .where(and(eq(recoveryCodes.userId, userId), isNull(recoveryCodes.usedAt)))
    .get();
  return row?.n ?? 0;
}
