/**
 * Multi-factor authentication: TOTP enrolment with recovery codes (account security), and the
 * second step of signing in. Enrolment is two-step — setup stores a pending encrypted secret,
 * enable proves the authenticator app has it — so a half-finished enrolment never locks anyone
 * out. Disabling MFA and regenerating recovery codes re-prove a second factor: a stolen session
 * alone cannot remove it. See services/totp.ts (replay rule), services/recovery-codes.ts and
 * services/mfa-challenge.ts (attempt limit).
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { and, eq, isNotNull, isNull } from "drizzle-orm";
import type { Context } from "hono";
import { recoveryCodes, users } from "../../../shared/db/schema";
import { ErrorBodySchema } from "../../../shared/errors/catalogue";
import { UserEnvelopeSchema } from "../../../shared/schemas/auth";
import { toIso } from "../../../shared/schemas/common";
import {
  LoginMfaInputSchema,
  MfaStatusSchema,
  RecoveryCodesSchema,
  SecondFactorInputSchema,
  TotpEnableInputSchema,
  TotpSetupSchema,
  type MfaStatus,
} from "../../../shared/schemas/mfa";
import type { AppEnv } from "../env";
import { ApiError } from "../http/api-error";
import { audit } from "../http/audit";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { requireUser } from "../middleware/access";
import { toUser } from "../serializers";
import { claimMfaAttempt, completeMfaChallenge, MFA_CHALLENGE_MAX_ATTEMPTS } from "../services/mfa-challenge";
import { newRecoveryCodes, remainingRecoveryCodes, replaceRecoveryCodesStatements } from "../services/recovery-codes";
import { assertMfaNotLocked, checkSecondFactor, recordMfaFailure } from "../services/second-factor";
import { createSession } from "../services/sessions";
import { MFA_LIMITS } from "../services/throttle";
import { newTotpSecret, openTotpSecret, otpauthUri, sealTotpSecret, totpStepOf } from "../services/totp";

export const mfaRoutes = new OpenAPIHono<AppEnv>();
const tags = ["MFA"];
const wrongCodes = `Wrong codes count against the account: after ${MFA_LIMITS.perAccountFailures.limit} in 15 minutes, code checks answer 429 with Retry-After.`;

mfaRoutes.openapi(
  defineRoute("user", {
    method: "get",
    path: "/v1/me/mfa",
    tags,
    summary: "Is MFA on for this account, and how many recovery codes are left",
    responses: { 200: jsonResponse(MfaStatusSchema, "MFA status.") },
  }),
  async (c) => {
    const { user } = requireUser(c);
    return c.json(await mfaStatus(c, user.id, user.mfaEnabledAt), 200);
  },
);

mfaRoutes.openapi(
  defineRoute("user", {
    method: "post",
    path: "/v1/me/mfa/totp/setup",
    tags,
    summary: "Start TOTP enrolment: a new secret to put in an authenticator app",
    description:
      "Stores the secret (encrypted) as pending; MFA is not on until `POST /v1/me/mfa/totp/enable` proves the app has it. Calling it again replaces the pending secret.",
    responses: {
      200: jsonResponse(TotpSetupSchema, "The secret, as text and as an `otpauth://` URI for a QR code."),
      409: jsonResponse(ErrorBodySchema, "`conflict`: MFA is already on."),
    },
  }),
  async (c) => {
    const { user } = requireUser(c);
    if (user.mfaEnabledAt !== null) throw alreadyOn();
    const secret = newTotpSecret();
    const result = await c
      .get("db")
      .update(users)
      .set({ totpSecretEnc: await sealTotpSecret(secret, c.env), totpLastStep: null, updatedAt: Date.now() })
      .where(and(eq(users.id, user.id), isNull(users.mfaEnabledAt)))
      .run();
    if (result.meta.changes === 0) throw alreadyOn();
    await audit(c, { tenantId: null, action: "mfa.setup_started", target: { type: "user", id: user.id } });
    return c.json({ secret, otpauthUri: otpauthUri(secret, user.email) }, 200);
  },
);

mfaRoutes.openapi(
  defineRoute("user", {
    method: "post",
    path: "/v1/me/mfa/totp/enable",
    tags,
    summary: "Finish TOTP enrolment with a code from the app; returns recovery codes once",
    description: `The code must come from the secret of the last setup. ${wrongCodes}`,
    request: { body: jsonBody(TotpEnableInputSchema) },
    responses: {
      200: jsonResponse(RecoveryCodesSchema, "MFA is on. The recovery codes are shown only now."),
      409: jsonResponse(ErrorBodySchema, "`conflict`: MFA is already on, or setup was not started."),
    },
  }),
  async (c) => {
    const { user } = requireUser(c);
    const { code } = c.req.valid("json");
    if (user.mfaEnabledAt !== null) throw alreadyOn();
    const pending = user.totpSecretEnc;
    if (!pending) throw new ApiError("conflict", "Start MFA setup first: there is no authenticator secret waiting to be confirmed.");
    await assertMfaNotLocked(c, user.id);
    const step = totpStepOf(await openTotpSecret(pending, c.env), code);
    if (step === null) {
      await recordMfaFailure(c, user, { purpose: "enable" });
      throw new ApiError(
        "invalid_mfa_code",
        "That code does not match. Check that the app shows Switchboard and that your device's clock is right, then try the current code.",
      );
    }
    const db = c.get("db");
    const now = Date.now();
    // Every statement holds only while MFA is still off with this pending secret; the UPDATE
    // that turns it on runs last, so of two racing enables exactly one writes codes and wins.
    const stillPending = and(isNull(users.mfaEnabledAt), eq(users.totpSecretEnc, pending))!;
    const codes = newRecoveryCodes();
    const results = await db.batch([
      ...(await replaceRecoveryCodesStatements(db, user.id, codes, stillPending, now)),
      db
        .update(users)
        .set({ mfaEnabledAt: now, totpLastStep: step, updatedAt: now })
        .where(and(eq(users.id, user.id), stillPending)),
    ]);
    if (results[2].meta.changes === 0)
      throw new ApiError(
        "conflict",
        "MFA setup changed while this code was checked (another tab?). Reload account security and try again.",
      );
    await audit(c, {
      tenantId: null,
      action: "mfa.enabled",
      target: { type: "user", id: user.id },
      details: { method: "totp", recoveryCodes: codes.length },
    });
    return c.json({ recoveryCodes: codes }, 200);
  },
);

mfaRoutes.openapi(
  defineRoute("user", {
    method: "post",
    path: "/v1/me/mfa/disable",
    tags,
    summary: "Turn MFA off (needs a current authenticator code or a recovery code)",
    description: `Deletes the authenticator secret and all recovery codes. ${wrongCodes}`,
    request: { body: jsonBody(SecondFactorInputSchema) },
    responses: { 200: jsonResponse(MfaStatusSchema, "MFA is off."), 409: jsonResponse(ErrorBodySchema, "`conflict`: MFA is not on.") },
  }),
  async (c) => {
    const { user } = requireUser(c);
    const { code } = c.req.valid("json");
    if (user.mfaEnabledAt === null) throw notOn();
    const factor = await checkSecondFactor(c, user, code, { purpose: "disable" });
    if (!factor) throw invalidCode();
    const db = c.get("db");
    await db.batch([
      db
        .update(users)
        .set({ totpSecretEnc: null, totpLastStep: null, mfaEnabledAt: null, updatedAt: Date.now() })
        .where(eq(users.id, user.id)),
      db.delete(recoveryCodes).where(eq(recoveryCodes.userId, user.id)),
    ]);
    await audit(c, {
      tenantId: null,
      action: "mfa.disabled",
      target: { type: "user", id: user.id },
      severity: "warning",
      details: { verifiedWith: factor },
    });
    return c.json(await mfaStatus(c, user.id, null), 200);
  },
);

mfaRoutes.openapi(
  defineRoute("user", {
    method: "post",
    path: "/v1/me/mfa/recovery-codes",
    tags,
    summary: "Replace all recovery codes (needs a current authenticator code or a recovery code)",
    description: `The old codes stop working at once. ${wrongCodes}`,
    request: { body: jsonBody(SecondFactorInputSchema) },
    responses: {
      200: jsonResponse(RecoveryCodesSchema, "The new codes, shown only now."),
      409: jsonResponse(ErrorBodySchema, "`conflict`: MFA is not on."),
    },
  }),
  async (c) => {
    const { user } = requireUser(c);
    const { code } = c.req.valid("json");
    if (user.mfaEnabledAt === null) throw notOn();
    const factor = await checkSecondFactor(c, user, code, { purpose: "regenerate_recovery_codes" });
    if (!factor) throw invalidCode();
    const db = c.get("db");
    const codes = newRecoveryCodes();
    const [, inserted] = await db.batch(await replaceRecoveryCodesStatements(db, user.id, codes, isNotNull(users.mfaEnabledAt)));
    if (inserted.meta.changes === 0) throw notOn();
    await audit(c, {
      tenantId: null,
      action: "mfa.recovery_codes_regenerated",
      target: { type: "user", id: user.id },
      details: { verifiedWith: factor },
    });
    return c.json({ recoveryCodes: codes }, 200);
  },
);

mfaRoutes.openapi(
  defineRoute("public", {
    method: "post",
    path: "/v1/auth/login/mfa",
    tags: ["Auth"],
    summary: "Second step of signing in: answer the MFA challenge from login",
    description: `\`code\` is the current authenticator code or a recovery code (each works once). A challenge lasts 5 minutes and allows ${MFA_CHALLENGE_MAX_ATTEMPTS} attempts; after that, or once used, it answers 401 \`unauthenticated\` and the person must log in again. A wrong code is 401 \`invalid_mfa_code\` with \`details.attemptsRemaining\`. ${wrongCodes}`,
    request: { body: jsonBody(LoginMfaInputSchema) },
    responses: { 200: jsonResponse(UserEnvelopeSchema, "Signed in; the session cookie is set.") },
  }),
  async (c) => {
    const { challengeToken, code } = c.req.valid("json");
    const challenge = await claimMfaAttempt(c, challengeToken);
    if (!challenge) throw challengeGone();
    const user = await c.get("db").select().from(users).where(eq(users.id, challenge.userId)).get();
    // MFA turned off since the password step: the challenge no longer means anything.
    if (!user || user.mfaEnabledAt === null) throw challengeGone();
    const factor = await checkSecondFactor(c, user, code, { purpose: "login", challengeId: challenge.id, attempt: challenge.attempts });
    if (!factor) {
      const attemptsRemaining = MFA_CHALLENGE_MAX_ATTEMPTS - challenge.attempts;
      throw new ApiError(
        "invalid_mfa_code",
        attemptsRemaining > 0
          ? "That code is not right. Enter the current code from your authenticator app, or a recovery code."
          : "That code is not right, and this sign-in has had too many wrong codes. Log in again.",
        { attemptsRemaining },
      );
    }
    if (!(await completeMfaChallenge(c, challenge.id))) throw challengeGone();
    const session = await createSession(c, user);
    await audit(c, {
      tenantId: null,
      actor: { type: "user", id: user.id, name: user.email },
      action: "auth.logged_in",
      target: { type: "session", id: session.id },
      details: { mfa: factor },
    });
    return c.json({ user: toUser(user) }, 200);
  },
);

async function mfaStatus(c: Context<AppEnv>, userId: string, enabledAt: number | null): Promise<MfaStatus> {
  return {
    enabled: enabledAt !== null,
    enabledAt: toIso(enabledAt),
    recoveryCodesRemaining: enabledAt === null ? 0 : await remainingRecoveryCodes(c.get("db"), userId),
  };
}

const alreadyOn = () => new ApiError("conflict", "MFA is already on for this account. Turn it off first to enrol a new authenticator.");
const notOn = () => new ApiError("conflict", "MFA is not on for this account.");
const invalidCode = () =>
  new ApiError(
    "invalid_mfa_code",
    "That code is not right. Enter the current code from your authenticator app, or an unused recovery code.",
  );
const challengeGone = () =>
  new ApiError(
    "unauthenticated",
    "This sign-in has expired, was already completed, or had too many wrong codes. Log in again with your email and password.",
  );
