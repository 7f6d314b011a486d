/**
 * Checking a second factor — a 6-digit TOTP code or a recovery code — for sign-in and for the
 * account-security actions that re-prove it (disable MFA, regenerate recovery codes). A passing
 * code is spent (TOTP step recorded, recovery code marked used). Wrong codes count against a
 * per-account limit shared by all those callers (a right one clears it, as at login), and are
 * audited.
 */
import type { Context } from "hono";
import type { UserRow } from "../../../shared/db/schema";
import type { AppEnv } from "../env";
import { audit, auditAccountEvent } from "../http/audit";
import { consumeRecoveryCode, remainingRecoveryCodes } from "./recovery-codes";
import { limiter, MFA_LIMITS, throwIfLimited } from "./throttle";
import { consumeTotpCode } from "./totp";

export type SecondFactor = "totp" | "recovery_code";

const userActor = (user: UserRow) => ({ type: "user" as const, id: user.id, name: user.email });
const failureLimiter = (c: Context<AppEnv>, userId: string) => limiter(c.env, `mfa:account:${userId}`);

/** 429 when the account has had too many wrong codes lately. Call before checking a code. */
export async function assertMfaNotLocked(c: Context<AppEnv>, userId: string): Promise<void> {
  throwIfLimited(
    await failureLimiter(c, userId).peek(MFA_LIMITS.perAccountFailures.limit, MFA_LIMITS.perAccountFailures.windowMs),
    "wrong MFA codes for this account",
  );
}

/** Counts and audits a wrong code. `details` says where it was tried (purpose, challenge…). */
export async function recordMfaFailure(c: Context<AppEnv>, user: UserRow, details: Record<string, unknown>): Promise<void> {
  await failureLimiter(c, user.id).consume(MFA_LIMITS.perAccountFailures.limit, MFA_LIMITS.perAccountFailures.windowMs);
  await auditAccountEvent(c, user.id, {
    actor: userActor(user),
    action: "auth.mfa_failed",
    target: { type: "user", id: user.id },
    severity: "warning",
    outcome: "failure",
    details,
  });
}

/**
 * Checks and spends `code` for a user with MFA enabled. Returns which factor passed, or null
 * (already counted and audited as a failure). Throws 429 when the account is locked out.
 */
export async function checkSecondFactor(
  c: Context<AppEnv>,
  user: UserRow,
  code: string,
  details: { purpose: string } & Record<string, unknown>,
): Promise<SecondFactor | null> {
  await assertMfaNotLocked(c, user.id);
  const db = c.get("db");
  const trimmed = code.trim();
  let factor: SecondFactor | null = null;
  if (/^\d{6}$/.test(trimmed)) {
    if (await consumeTotpCode(db, c.env, user, trimmed)) factor = "totp";
  } else if (await consumeRecoveryCode(db, user.id, trimmed)) {
    factor = "recovery_code";
  }
  if (!factor) {
    await recordMfaFailure(c, user, details);
    return null;
  }
  await failureLimiter(c, user.id).reset();
  if (factor === "recovery_code") {
    await audit(c, {
      tenantId: null,
      actor: userActor(user),
      action: "auth.recovery_code_used",
      target: { type: "user", id: user.id },
      severity: "warning",
      details: { ...details, remaining: await remainingRecoveryCodes(db, user.id) },
    });
  }
  return factor;
}
