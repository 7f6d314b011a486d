/**
 * TOTP (RFC 6238) with the parameters every authenticator app defaults to: SHA-1, 6 digits,
 * 30-second steps. A code is accepted for the current step ±1 (clock drift), and only once:
 * RFC 6238 §5.2 — the last accepted step is remembered in `users.totp_last_step` and any code for
 * that step or an earlier one is refused. The remember-and-refuse is one conditional UPDATE, so
 * two concurrent requests carrying the same code cannot both pass.
 *
 * The secret is stored AES-GCM encrypted (`encryptField`, purpose "totp"), never in plain text.
 */
import { and, eq, isNotNull, isNull, lt, or } from "drizzle-orm";
import { Secret, TOTP } from "otpauth";
import { decryptField, encryptField } from "../../../shared/crypto/encryption";
import type { Database } from "../../../shared/db/client";
import { users } from "../../../shared/db/schema";

export const TOTP_ISSUER = "Switchboard";
const PERIOD_S = 30;
const DIGITS = 6;
const ALGORITHM = "SHA1";
/** Steps either side of now that are still accepted. */
const WINDOW = 1;
const ENCRYPTION_PURPOSE = "totp";

function totp(secretBase32: string, label = ""): TOTP {
  return new TOTP({
    issuer: TOTP_ISSUER,
    label,
    algorithm: ALGORITHM,
    digits: DIGITS,
    period: PERIOD_S,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** A fresh 160-bit secret (RFC 4226's recommended length), base32 as authenticator apps expect. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

export function otpauthUri(secretBase32: string, email: string): string {
  return totp(secretBase32, email).toString();
}

export const sealTotpSecret = (secretBase32: string, env: Env) => encryptField(secretBase32, env.DATA_ENCRYPTION_KEY, ENCRYPTION_PURPOSE);
export const openTotpSecret = (sealed: string, env: Env) => decryptField(sealed, env.DATA_ENCRYPTION_KEY, ENCRYPTION_PURPOSE);

/** The time step `code` belongs to within ±1 step of `now`, or null if it matches none. */
export function totpStepOf(secretBase32: string, code: string, now = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totp(secretBase32).validate({ token: code, timestamp: now, window: WINDOW });
  if (delta === null) return null;
  return TOTP.counter({ period: PERIOD_S, timestamp: now }) + delta;
}

/**
 * Verifies `code` against the user's active TOTP secret (MFA enabled) and records its step. False
 * when the code is wrong, outside the window, or its step (or a later one) was already used.
 */
export async function consumeTotpCode(
  db: Database,
  env: Env,
  user: { id: string; totpSecretEnc: string | null },
  code: string,
): Promise<boolean> {
  if (!user.totpSecretEnc) return false;
  const step = totpStepOf(await openTotpSecret(user.totpSecretEnc, env), code);
  if (step === null) return false;
  const result = await db
    .update(users)
    .set({ totpLastStep: step })
    // Check-and-set in one statement: only a step later than the last accepted one is recorded.
    .where(
      and(
        eq(users.id, user.id),
        isNotNull(users.mfaEnabledAt),
        eq(users.totpSecretEnc, user.totpSecretEnc),
        or(isNull(users.totpLastStep), lt(users.totpLastStep, step)),
      ),
    )
    .run();
  return result.meta.changes === 1;
}
