/**
 * Forgot / reset password. Asking for a link always answers 202 with the same body, and the work
 * for an existing account (token, mail, audit) runs after the response, so neither the answer nor
 * its timing tells whether an address has an account. The link's token is random, stored hashed,
 * good for 30 minutes and once. Resetting signs the person out everywhere and does not sign them
 * in: they log in with the new password (and their second factor, if MFA is on).
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { and, eq, gt, isNull } from "drizzle-orm";
import type { Context } from "hono";
import { newId } from "../../../shared/crypto/ids";
import { hashPassword } from "../../../shared/crypto/password";
import { hashSecret, randomToken } from "../../../shared/crypto/secrets";
import { passwordResetTokens, sessions, users } from "../../../shared/db/schema";
import { ErrorBodySchema } from "../../../shared/errors/catalogue";
import { ForgotPasswordInputSchema, ForgotPasswordResultSchema, OkSchema, ResetPasswordInputSchema } from "../../../shared/schemas/mfa";
import type { AppEnv } from "../env";
import { ApiError } from "../http/api-error";
import { audit } from "../http/audit";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { linkOrigin } from "../http/link-origin";
import { mailDelivery, sendMail } from "../services/mail";
import { accountFailuresKey } from "../services/login-throttle";
import { FORGOT_PASSWORD_LIMITS, limiter, throwIfLimited } from "../services/throttle";
import { log } from "../../../shared/observability/log";

export const passwordResetRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Auth"];
const RESET_TOKEN_TTL_MS = 30 * 60 * 1000;

passwordResetRoutes.openapi(
  defineRoute("public", {
    method: "post",
    path: "/v1/auth/password/forgot",
    tags,
    summary: "Email a password reset link",
    description: `Always 202, whether or not the address has an account. If it has, a link to \`<origin>/reset-password?token=…\` valid for 30 minutes is mailed (in local development: to the dev outbox). \`mailDelivery\` says how this deployment delivers mail — \`not_configured\` means nothing is sent to anyone: say so rather than "check your email". Throttled per source IP (${FORGOT_PASSWORD_LIMITS.perIp.limit} / hour) and per address (${FORGOT_PASSWORD_LIMITS.perEmail.limit} / hour); over either, 429 with Retry-After.`,
    request: { body: jsonBody(ForgotPasswordInputSchema) },
    responses: {
      202: jsonResponse(
        ForgotPasswordResultSchema,
        "Accepted; if the account exists and mail is delivered (`mailDelivery`), the mail is on its way.",
      ),
    },
  }),
  async (c) => {
    const { email } = c.req.valid("json");
    const { perIp, perEmail } = FORGOT_PASSWORD_LIMITS;
    throwIfLimited(
      await limiter(c.env, `forgot:ip:${c.get("ip") ?? "unknown"}`).consume(perIp.limit, perIp.windowMs),
      "password reset requests from your network",
    );
    throwIfLimited(
      await limiter(c.env, `forgot:email:${email}`).consume(perEmail.limit, perEmail.windowMs),
      "password reset requests for this address",
    );
    const delivery = mailDelivery(c.env);
    // No token is made when no mail can carry it: a link nobody receives is only a liability.
    if (delivery !== "not_configured") {
      const origin = linkOrigin(c);
      c.executionCtx.waitUntil(mailResetLink(c, email, origin).catch((err) => log.error("password reset mail failed", { error: err })));
    } else {
      log.warn("password reset asked for, but no mail provider is configured: nothing sent");
    }
    return c.json({ ok: true as const, mailDelivery: delivery }, 202);
  },
);

passwordResetRoutes.openapi(
  defineRoute("public", {
    method: "post",
    path: "/v1/auth/password/reset",
    tags,
    summary: "Set a new password with the token from a reset link",
    description:
      "Marks the address as verified (the person read the mail) and revokes every session of the account. Does not sign in. A token works once; a used, expired or unknown token is 410 `token_expired`.",
    request: { body: jsonBody(ResetPasswordInputSchema) },
    responses: {
      200: jsonResponse(OkSchema, "Password changed; log in with it."),
      410: jsonResponse(ErrorBodySchema, "`token_expired`: the link is unknown, expired or used."),
    },
  }),
  async (c) => {
    const { token, password } = c.req.valid("json");
    const db = c.get("db");
    // Hash first: the slow KDF should not sit between claiming the token and using it.
    const passwordHash = await hashPassword(password, c.env.PASSWORD_PEPPER);
    const now = Date.now();
    const claimed = await db
      .update(passwordResetTokens)
      .set({ usedAt: now })
      .where(
        and(
          eq(passwordResetTokens.tokenHash, await hashSecret(token)),
          isNull(passwordResetTokens.usedAt),
          gt(passwordResetTokens.expiresAt, now),
        ),
      )
      .returning({ id: passwordResetTokens.id, userId: passwordResetTokens.userId })
      .get();
    if (!claimed) throw new ApiError("token_expired", "This reset link has expired or was already used. Ask for a new one.");
    const [, revoked] = await db.batch([
      db.update(users).set({ passwordHash, emailVerifiedAt: now, updatedAt: now }).where(eq(users.id, claimed.userId)),
      db
        .update(sessions)
        .set({ revokedAt: now })
        .where(and(eq(sessions.userId, claimed.userId), isNull(sessions.revokedAt))),
      // Any other outstanding link for the account is void once the password changed.
      db
        .update(passwordResetTokens)
        .set({ usedAt: now })
        .where(and(eq(passwordResetTokens.userId, claimed.userId), isNull(passwordResetTokens.usedAt))),
    ]);
    const user = await db.select({ email: users.email }).from(users).where(eq(users.id, claimed.userId)).get();
    // The person proved they own the address: failed guesses by others no longer lock them out.
    if (user) await limiter(c.env, accountFailuresKey(user.email)).reset();
    await audit(c, {
      tenantId: null,
      actor: { type: "user", id: claimed.userId, name: user?.email ?? null },
      action: "auth.password_reset",
      target: { type: "user", id: claimed.userId },
      severity: "warning",
      details: { resetId: claimed.id, sessionsRevoked: revoked.meta.changes },
    });
    return c.json({ ok: true as const }, 200);
  },
);

/** Runs after the response: creates the token and mails the link if the address has an account. */
async function mailResetLink(c: Context<AppEnv>, email: string, origin: string): Promise<void> {
  const db = c.get("db");
  const user = await db.select({ id: users.id, email: users.email }).from(users).where(eq(users.email, email)).get();
  if (!user) return;
  const now = Date.now();
  const token = randomToken();
  const id = newId("passwordReset", now);
  await db
    .insert(passwordResetTokens)
    .values({ id, userId: user.id, tokenHash: await hashSecret(token), createdAt: now, expiresAt: now + RESET_TOKEN_TTL_MS, usedAt: null });
  const link = `${origin}/reset-password?token=${encodeURIComponent(token)}`;
  const sent = await sendMail(c.env, {
    to: user.email,
    idempotencyKey: `password-reset/${id}`,
    subject: "Reset your Switchboard password",
    text: [
      "Someone (hopefully you) asked to reset the password of your Switchboard account.",
      "",
      "Open this link within 30 minutes to choose a new password:",
      link,
      "",
      "Resetting signs you out on every device. If you did not ask for this, ignore this mail: your password stays as it is.",
    ].join("\n"),
  });
  await audit(c, {
    tenantId: null,
    actor: { type: "anonymous", id: null, name: null },
    action: "auth.password_reset_requested",
    target: { type: "user", id: user.id },
    details: { resetId: id, mail: sent.status },
  });
}
