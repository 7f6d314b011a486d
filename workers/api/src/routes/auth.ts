import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, desc, eq, isNull } from "drizzle-orm";
import { PERMISSIONS } from "../../../shared/auth/permissions";
import { DUMMY_PASSWORD_HASH, hashPassword, needsRehash, verifyPassword } from "../../../shared/crypto/password";
import { newId } from "../../../shared/crypto/ids";
import { memberships, sessions, tenants, users, type UserRow } from "../../../shared/db/schema";
import {
  LoginInputSchema,
  LoginResultSchema,
  MeSchema,
  SessionSchema,
  SignupInputSchema,
  UserEnvelopeSchema,
} from "../../../shared/schemas/auth";
import type { AppEnv } from "../env";
import { ApiError, notFound } from "../http/api-error";
import { audit, auditAccountEvent } from "../http/audit";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { requirePrincipal, requireUser } from "../middleware/access";
import { toSession, toUser } from "../serializers";
import { issueMfaChallenge } from "../services/mfa-challenge";
import { clearSessionCookie, createSession } from "../services/sessions";
import { checkLoginThrottle } from "../services/login-throttle";
import { LOGIN_LIMITS } from "../services/throttle";
import { refuseIfSsoRequired } from "../services/sso/refuse";

export const authRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Auth"];

authRoutes.openapi(
  defineRoute("public", {
    method: "post",
    path: "/v1/auth/signup",
    tags,
    summary: "Create an account and sign in",
    request: { body: jsonBody(SignupInputSchema) },
    responses: {
      201: jsonResponse(UserEnvelopeSchema, "Account created; the session cookie is set."),
      409: jsonResponse(z.any(), "`email_taken`"),
    },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const db = c.get("db");
    const existing = await db.select({ id: users.id }).from(users).where(eq(users.email, input.email)).get();
    if (existing) throw new ApiError("email_taken", "An account with this email already exists. Log in instead.");
    const now = Date.now();
    const user: UserRow = {
      id: newId("user", now),
      email: input.email,
      name: input.name,
      passwordHash: await hashPassword(input.password, c.env.PASSWORD_PEPPER),
      isOperator: false,
      emailVerifiedAt: null,
      totpSecretEnc: null,
      totpLastStep: null,
      mfaEnabledAt: null,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await db.insert(users).values(user);
    } catch (err) {
      if (String(err).includes("UNIQUE")) throw new ApiError("email_taken", "An account with this email already exists. Log in instead.");
      throw err;
    }
    await createSession(c, user);
    await audit(c, {
      tenantId: null,
      actor: { type: "user", id: user.id, name: user.email },
      action: "auth.signed_up",
      target: { type: "user", id: user.id },
    });
    return c.json({ user: toUser(user) }, 201);
  },
);

authRoutes.openapi(
  defineRoute("public", {
    method: "post",
    path: "/v1/auth/login",
    tags,
    summary: "Sign in with email and password",
    description: `Throttled without letting anyone lock a person out (docs/decisions.md, Identity): per source IP (${LOGIN_LIMITS.perIp.limit} attempts / 15 min); per account and client — a browser that signed in to the account before (its \`sb_device\` cookie), else the source IP — (${LOGIN_LIMITS.perClientFailures.limit} failures / 15 min); and per account from unrecognised clients (${LOGIN_LIMITS.perAccountFailures.limit} failures / 15 min, which never refuses a recognised browser). Over any, 429 with Retry-After. For an account with MFA on, a right password signs nobody in: the answer is \`{ mfaRequired: true, challengeToken }\` and no cookie; finish with \`POST /v1/auth/login/mfa\`.`,
    request: { body: jsonBody(LoginInputSchema) },
    responses: {
      200: jsonResponse(LoginResultSchema, "Signed in (`user`; the session cookie is set), or `mfaRequired` with a challenge to answer."),
    },
  }),
  async (c) => {
    const { email, password } = c.req.valid("json");
    const db = c.get("db");
    const throttle = await checkLoginThrottle(c, email, () => db.select().from(users).where(eq(users.email, email)).get());
    const { user } = throttle;
    // Verify against a dummy hash when there is no user so both paths take the same time.
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH, c.env.PASSWORD_PEPPER);
    if (!user || !user.passwordHash || !ok) {
      await throttle.recordFailure();
      const failure = {
        actor: { type: "anonymous" as const, id: user?.id ?? null, name: email },
        action: "auth.login_failed",
        target: user ? { type: "user", id: user.id } : null,
        severity: "warning" as const,
        outcome: "failure" as const,
        details: { reason: user ? "wrong_password" : "unknown_email" },
      };
      if (user) await auditAccountEvent(c, user.id, failure);
      else await audit(c, { ...failure, tenantId: null });
      throw new ApiError("invalid_credentials", "Email or password is incorrect.");
    }
    await throttle.recordSuccess();
    // After the password check, so the refusal tells nothing to someone without the password.
    await refuseIfSsoRequired(c, user, "password");
    if (needsRehash(user.passwordHash)) {
      await db
        .update(users)
        .set({ passwordHash: await hashPassword(password, c.env.PASSWORD_PEPPER), updatedAt: Date.now() })
        .where(eq(users.id, user.id));
    }
    if (user.mfaEnabledAt !== null) return c.json({ mfaRequired: true as const, challengeToken: await issueMfaChallenge(c, user) }, 200);
    const session = await createSession(c, user);
    await audit(c, {
      tenantId: null,
      actor: { type: "user", id: user.id, name: user.email },
      action: "auth.logged_in",
      target: { type: "session", id: session.id },
    });
    return c.json({ user: toUser(user) }, 200);
  },
);

authRoutes.openapi(
  defineRoute("user", {
    method: "post",
    path: "/v1/auth/logout",
    tags,
    summary: "Sign out of this session",
    responses: { 204: { description: "Signed out." } },
  }),
  async (c) => {
    const { session } = requireUser(c);
    await c.get("db").update(sessions).set({ revokedAt: Date.now() }).where(eq(sessions.id, session.id));
    clearSessionCookie(c);
    await audit(c, { tenantId: null, action: "auth.logged_out", target: { type: "session", id: session.id } });
    return c.body(null, 204);
  },
);

authRoutes.openapi(
  defineRoute("user", {
    method: "post",
    path: "/v1/auth/logout-all",
    tags,
    summary: "Revoke every session of this account, including this one",
    responses: { 200: jsonResponse(z.object({ revoked: z.number().int() }), "Sessions revoked.") },
  }),
  async (c) => {
    const { user } = requireUser(c);
    const result = await c
      .get("db")
      .update(sessions)
      .set({ revokedAt: Date.now() })
      .where(and(eq(sessions.userId, user.id), isNull(sessions.revokedAt)))
      .run();
    clearSessionCookie(c);
    await audit(c, {
      tenantId: null,
      action: "auth.sessions_revoked",
      target: { type: "user", id: user.id },
      details: { count: result.meta.changes },
    });
    return c.json({ revoked: result.meta.changes }, 200);
  },
);

authRoutes.openapi(
  defineRoute("user", {
    method: "get",
    path: "/v1/me/sessions",
    tags,
    summary: "List this account's active sessions",
    responses: { 200: jsonResponse(z.object({ data: z.array(SessionSchema) }), "Active sessions, newest first.") },
  }),
  async (c) => {
    const { user, session } = requireUser(c);
    const rows = await c
      .get("db")
      .select()
      .from(sessions)
      .where(and(eq(sessions.userId, user.id), isNull(sessions.revokedAt)))
      .orderBy(desc(sessions.id))
      .limit(100)
      .all();
    const now = Date.now();
    return c.json({ data: rows.filter((s) => s.expiresAt > now).map((s) => toSession(s, session.id)) }, 200);
  },
);

authRoutes.openapi(
  defineRoute("user", {
    method: "delete",
    path: "/v1/me/sessions/{sessionId}",
    tags,
    summary: "Revoke one of this account's sessions",
    request: { params: z.object({ sessionId: z.string() }) },
    responses: { 204: { description: "Revoked." } },
  }),
  async (c) => {
    const { user } = requireUser(c);
    const { sessionId } = c.req.valid("param");
    const result = await c
      .get("db")
      .update(sessions)
      .set({ revokedAt: Date.now() })
      .where(and(eq(sessions.id, sessionId), eq(sessions.userId, user.id), isNull(sessions.revokedAt)))
      .run();
    if (result.meta.changes === 0) throw notFound("Session");
    await audit(c, { tenantId: null, action: "auth.session_revoked", target: { type: "session", id: sessionId } });
    return c.body(null, 204);
  },
);

authRoutes.openapi(
  defineRoute("authenticated", {
    method: "get",
    path: "/v1/me",
    tags,
    summary: "Who am I: the user and their tenant memberships with roles, or the API key",
    responses: { 200: jsonResponse(MeSchema, "The caller.") },
  }),
  async (c) => {
    const principal = requirePrincipal(c);
    if (principal.type === "api_key") {
      const { apiKey } = principal;
      const permissions = PERMISSIONS.filter((p) => principal.permissions.has(p));
      return c.json(
        {
          principal: "api_key" as const,
          user: null,
          memberships: [],
          apiKey: { id: apiKey.id, tenantId: apiKey.tenantId, name: apiKey.name, scopes: apiKey.scopes, permissions },
        },
        200,
      );
    }
    const { user } = principal;
    const rows = await c
      .get("db")
      .select({ tenantId: tenants.id, tenantName: tenants.name, role: memberships.role })
      .from(memberships)
      .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
      .where(and(eq(memberships.userId, user.id), isNull(tenants.deletedAt)))
      .orderBy(tenants.id)
      .all();
    return c.json({ principal: "user" as const, user: toUser(user), memberships: rows, apiKey: null }, 200);
  },
);
