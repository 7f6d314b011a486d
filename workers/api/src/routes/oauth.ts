/**
 * Sign in with GitHub or Google (arctic, authorization code + state + PKCE S256), and linking or
 * unlinking those providers from account security.
 *
 * Account rule (details in services/oauth/accounts.ts): a known provider identity signs in its
 * user; otherwise the provider's email must be verified, and it is linked to an existing account
 * only if that account's email is verified here too — if not, the person is sent to
 * `/login?error=oauth_link_requires_verification` and must sign in with the password and link the
 * provider from account security (`POST /v1/me/oauth/{provider}/link`). No match → a new account.
 *
 * The callback is a browser navigation, so its outcomes are redirects: to `redirectTo` (or `/`) on
 * success, to `/login?error=<reason>` (reasons in shared/schemas/oauth.ts) on failure. Only a
 * callback that does not belong to this browser's flow (missing or mismatched `state`) answers
 * 400 with our error shape: there is no trustworthy flow to redirect back into.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, eq, exists, isNotNull, ne, or } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Context } from "hono";
import { oauthAccounts, users, type UserRow } from "../../../shared/db/schema";
import { LinkedOAuthAccountsSchema, OAuthProviderSchema, type OAuthLoginError, type OAuthProviderId } from "../../../shared/schemas/oauth";
import { toIso } from "../../../shared/schemas/common";
import type { AppEnv } from "../env";
import { ApiError, notFound } from "../http/api-error";
import { audit } from "../http/audit";
import { OAuthProviderParams } from "../http/params";
import { defineRoute, jsonResponse } from "../http/route";
import { requireUser } from "../middleware/access";
import { linkToUser, signInWithProvider } from "../services/oauth/accounts";
import { beginFlow, callbackUrl, endFlow, OAUTH_FLOW_TTL_S, resumeFlow, safeRedirectPath, type OAuthFlow } from "../services/oauth/flow";
import { configuredProviders, isConfigured, isProviderId, OAUTH_PROVIDERS, type OAuthProfile } from "../services/oauth/providers";
import { issueMfaChallenge } from "../services/mfa-challenge";
import { createSession } from "../services/sessions";
import { refuseIfSsoRequired } from "../services/sso/refuse";

export const oauthRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Auth"];

/** Where the dashboard's account security page lives: the default landing after linking. */
export const ACCOUNT_SECURITY_PATH = "/account/security";

const redirect = (description: string) => ({ description, headers: z.object({ Location: z.string() }) });
const RedirectToQuery = z
  .object({
    redirectTo: z
      .string()
      .max(2048)
      .optional()
      .meta({ description: "A path on this origin (`/…`) to land on afterwards; anything else is ignored." }),
  })
  .strict();

oauthRoutes.openapi(
  defineRoute("public", {
    method: "get",
    path: "/v1/auth/oauth/providers",
    tags,
    summary: "The sign-in providers this deployment has configured",
    responses: {
      200: jsonResponse(z.object({ data: z.array(OAuthProviderSchema) }), "Configured providers; the dashboard shows a button for each."),
    },
  }),
  (c) => c.json({ data: configuredProviders(c.env).map((id) => ({ id, name: OAUTH_PROVIDERS[id].name })) }, 200),
);

oauthRoutes.openapi(
  defineRoute("public", {
    method: "get",
    path: "/v1/auth/oauth/{provider}/start",
    tags,
    summary: "Start signing in with a provider",
    description: `Redirects to the provider's consent page. State, PKCE verifier and \`redirectTo\` are kept in HttpOnly cookies for ${OAUTH_FLOW_TTL_S / 60} minutes. The provider must be configured with the redirect URI \`<origin>/v1/auth/oauth/{provider}/callback\`.`,
    request: { params: OAuthProviderParams, query: RedirectToQuery },
    responses: { 302: redirect("To the provider's authorization URL.") },
  }),
  (c) => {
    const provider = configuredProvider(c, c.req.valid("param").provider);
    const url = beginFlow(c, provider, { redirectTo: safeRedirectPath(c.req.valid("query").redirectTo), linkUserId: null });
    return c.redirect(url.toString(), 302);
  },
);

oauthRoutes.openapi(
  defineRoute("public", {
    method: "get",
    path: "/v1/auth/oauth/{provider}/callback",
    tags,
    summary: "Where the provider sends the browser back",
    description:
      "Checks `state` against this browser's cookie (400 `bad_request` if missing or different), exchanges the code with the PKCE verifier, and signs in, links or creates the account. Redirects to `redirectTo` (or `/`); for an account with MFA to `/login/mfa?next=<redirectTo>#challenge=<token>` (answer with `POST /v1/auth/login/mfa`); on failure to `/login?error=<reason>`.",
    // Not strict: providers add parameters of their own (Google: scope, authuser, prompt, hd).
    request: {
      params: OAuthProviderParams,
      query: z.object({
        code: z.string().max(2048).optional(),
        state: z.string().max(512).optional(),
        error: z.string().max(256).optional(),
      }),
    },
    responses: { 302: redirect("Signed in (session cookie set), on to the MFA step, or back to the login page with `?error=`.") },
  }),
  async (c) => {
    const provider = configuredProvider(c, c.req.valid("param").provider);
    const { code, state, error } = c.req.valid("query");
    if (error !== undefined) {
      // Only to know where to send the person back; a forged error can do no more than that.
      const flow = state ? resumeFlow(c, state) : null;
      endFlow(c);
      await auditFailure(c, provider, "provider_error", { error });
      return c.redirect(failureLanding(flow, "oauth_denied"), 302);
    }
    if (!code || !state) throw new ApiError("bad_request", "The provider's redirect has no `code` or `state`. Start signing in again.");
    const flow = resumeFlow(c, state);
    if (!flow) {
      await auditFailure(c, provider, "state_mismatch");
      throw new ApiError(
        "bad_request",
        "This sign-in did not start in this browser, or it started more than 10 minutes ago. Start signing in again.",
      );
    }
    endFlow(c);

    const profile = await fetchProfile(c, provider, code, flow);
    if (!profile.ok) {
      await auditFailure(c, provider, profile.reason, { error: profile.error });
      return c.redirect(failureLanding(flow, "oauth_failed"), 302);
    }
    if (flow.linkUserId) return finishLink(c, provider, profile.profile, flow);

    const result = await signInWithProvider(c, provider, profile.profile);
    if (!result.ok) {
      await auditFailure(c, provider, result.reason, {}, result.userId);
      return c.redirect(failureLanding(flow, result.reason), 302);
    }
    const { user } = result;
    const actor = { type: "user" as const, id: user.id, name: user.email };
    try {
      await refuseIfSsoRequired(c, user, provider);
    } catch (err) {
      if (err instanceof ApiError && err.code === "sso_required") return c.redirect(failureLanding(flow, "sso_required"), 302);
      throw err;
    }
    if (result.account === "linked") {
      await audit(c, {
        tenantId: null,
        actor,
        action: "auth.oauth_linked",
        target: oauthTarget(provider, result.providerUserId),
        details: { provider, via: "verified_email" },
      });
    }
    // The provider is only the first factor: an account with MFA goes through the same code step as a password login.
    if (user.mfaEnabledAt !== null) return c.redirect(mfaStep(await issueMfaChallenge(c, user, provider), flow.redirectTo), 302);
    const session = await createSession(c, user);
    await audit(c, {
      tenantId: null,
      actor,
      action: "auth.oauth_login",
      target: { type: "session", id: session.id },
      details: { provider, account: result.account },
    });
    return c.redirect(flow.redirectTo ?? "/", 302);
  },
);

oauthRoutes.openapi(
  defineRoute("user", {
    method: "get",
    path: "/v1/me/oauth",
    tags,
    summary: "The providers linked to this account",
    responses: { 200: jsonResponse(LinkedOAuthAccountsSchema, "Linked providers, and whether the account also has a password.") },
  }),
  async (c) => {
    const { user } = requireUser(c);
    const rows = await c
      .get("db")
      .select()
      .from(oauthAccounts)
      .where(eq(oauthAccounts.userId, user.id))
      .orderBy(oauthAccounts.provider)
      .all();
    return c.json(
      {
        data: rows.map((r) => ({ provider: r.provider, email: r.email, linkedAt: toIso(r.createdAt) })),
        hasPassword: user.passwordHash !== null,
      },
      200,
    );
  },
);

oauthRoutes.openapi(
  defineRoute("user", {
    method: "post",
    path: "/v1/me/oauth/{provider}/link",
    tags,
    summary: "Start linking a provider to this account",
    description:
      "Answers the provider's authorization URL; the dashboard navigates there. On return the provider account is linked to the signed-in user (who must still be signed in) and the browser lands on `redirectTo` (default `/account/security`), with `?error=oauth_account_in_use` if that provider account belongs to someone else or this user already has another account of that provider.",
    request: { params: OAuthProviderParams, query: RedirectToQuery },
    responses: {
      200: jsonResponse(z.object({ url: z.string() }), "Send the browser here."),
      409: jsonResponse(z.any(), "`conflict`: this provider is already linked."),
    },
  }),
  async (c) => {
    const { user } = requireUser(c);
    const provider = configuredProvider(c, c.req.valid("param").provider);
    const already = await c
      .get("db")
      .select({ id: oauthAccounts.providerUserId })
      .from(oauthAccounts)
      .where(and(eq(oauthAccounts.userId, user.id), eq(oauthAccounts.provider, provider)))
      .get();
    if (already)
      throw new ApiError(
        "conflict",
        `${OAUTH_PROVIDERS[provider].name} is already linked to this account. Unlink it first to link a different one.`,
      );
    const url = beginFlow(c, provider, {
      redirectTo: safeRedirectPath(c.req.valid("query").redirectTo) ?? ACCOUNT_SECURITY_PATH,
      linkUserId: user.id,
    });
    return c.json({ url: url.toString() }, 200);
  },
);

oauthRoutes.openapi(
  defineRoute("user", {
    method: "delete",
    path: "/v1/me/oauth/{provider}",
    tags,
    summary: "Unlink a provider from this account",
    description: "Refused with 409 `conflict` when it is the only way left to sign in (no password and no other provider).",
    request: { params: OAuthProviderParams },
    responses: { 204: { description: "Unlinked." }, 409: jsonResponse(z.any(), "`conflict`: the last way to sign in.") },
  }),
  async (c) => {
    const { user } = requireUser(c);
    const { provider } = c.req.valid("param");
    if (!isProviderId(provider)) throw notFound("Linked provider");
    const db = c.get("db");
    const other = alias(oauthAccounts, "other_account");
    // One statement, so two concurrent unlinks cannot each see the other provider and leave none.
    const removed = await db
      .delete(oauthAccounts)
      .where(
        and(
          eq(oauthAccounts.userId, user.id),
          eq(oauthAccounts.provider, provider),
          or(
            exists(
              db
                .select({ id: users.id })
                .from(users)
                .where(and(eq(users.id, user.id), isNotNull(users.passwordHash))),
            ),
            exists(
              db
                .select({ id: other.userId })
                .from(other)
                .where(and(eq(other.userId, user.id), ne(other.provider, provider))),
            ),
          ),
        ),
      )
      .returning()
      .all();
    if (removed.length === 0) {
      const linked = await db
        .select({ id: oauthAccounts.providerUserId })
        .from(oauthAccounts)
        .where(and(eq(oauthAccounts.userId, user.id), eq(oauthAccounts.provider, provider)))
        .get();
      if (!linked) throw notFound("Linked provider");
      throw new ApiError(
        "conflict",
        `${OAUTH_PROVIDERS[provider].name} is the only way to sign in to this account. Set a password (Forgot password) or link another provider first.`,
      );
    }
    for (const row of removed) {
      await audit(c, {
        tenantId: null,
        action: "auth.oauth_unlinked",
        target: oauthTarget(provider, row.providerUserId),
        details: { provider },
      });
    }
    return c.body(null, 204);
  },
);

/** 404 for a provider we do not know or that this deployment has not configured. */
function configuredProvider(c: Context<AppEnv>, id: string): OAuthProviderId {
  if (!isProviderId(id) || !isConfigured(c.env, id)) throw notFound("OAuth provider");
  return id;
}

type ProfileResult =
  | { ok: true; profile: OAuthProfile }
  | { ok: false; reason: "token_exchange_failed" | "profile_fetch_failed"; error: string };

async function fetchProfile(c: Context<AppEnv>, provider: OAuthProviderId, code: string, flow: OAuthFlow): Promise<ProfileResult> {
  const config = OAUTH_PROVIDERS[provider];
  let tokens;
  try {
    tokens = await config.exchangeCode(c.env, callbackUrl(c, provider), code, flow.codeVerifier);
  } catch (err) {
    return { ok: false, reason: "token_exchange_failed", error: errorSummary(err) };
  }
  try {
    return { ok: true, profile: await config.profile(c.env, tokens) };
  } catch (err) {
    return { ok: false, reason: "profile_fetch_failed", error: errorSummary(err) };
  }
}

async function finishLink(c: Context<AppEnv>, provider: OAuthProviderId, profile: OAuthProfile, flow: OAuthFlow) {
  const landing = flow.redirectTo ?? ACCOUNT_SECURITY_PATH;
  const principal = c.get("principal");
  // The person who asked to link must still be the one signed in.
  if (principal?.type !== "user" || principal.user.id !== flow.linkUserId) {
    await auditFailure(c, provider, "oauth_link_session_changed", {}, flow.linkUserId);
    return c.redirect(withError(landing, "oauth_link_session_changed"), 302);
  }
  const result = await linkToUser(c, provider, profile, principal.user);
  if (!result.ok) {
    await auditFailure(c, provider, result.reason, {}, principal.user.id);
    return c.redirect(withError(landing, result.reason), 302);
  }
  if (result.created) {
    await audit(c, {
      tenantId: null,
      action: "auth.oauth_linked",
      target: oauthTarget(provider, profile.providerUserId),
      details: { provider, via: "account_security" },
    });
  }
  return c.redirect(landing, 302);
}

function auditFailure(
  c: Context<AppEnv>,
  provider: OAuthProviderId,
  reason: string,
  details: Record<string, unknown> = {},
  userId: UserRow["id"] | null = null,
) {
  return audit(c, {
    tenantId: null,
    actor: { type: "anonymous", id: userId, name: null },
    action: "auth.oauth_failed",
    target: userId ? { type: "user", id: userId } : null,
    severity: "warning",
    outcome: "failure",
    details: { provider, reason, ...details },
  });
}

const oauthTarget = (provider: OAuthProviderId, providerUserId: string) => ({ type: "oauth_account", id: `${provider}:${providerUserId}` });

/**
 * Back to where the flow began, with `?error=`: account security for linking, else the login page
 * (keeping `next`, so a retry still lands where the person was going).
 */
function failureLanding(flow: OAuthFlow | null, reason: OAuthLoginError): string {
  if (flow?.linkUserId) return withError(flow.redirectTo ?? ACCOUNT_SECURITY_PATH, reason);
  return withError(flow?.redirectTo ? `/login?next=${encodeURIComponent(flow.redirectTo)}` : "/login", reason);
}

/**
 * The dashboard's MFA step. The challenge token rides in the fragment, which browsers never send
 * to a server or in a Referer, so it stays out of logs; the page moves it to sessionStorage.
 */
function mfaStep(challengeToken: string, next: string | null): string {
  return `/login/mfa${next ? `?next=${encodeURIComponent(next)}` : ""}#challenge=${encodeURIComponent(challengeToken)}`;
}

function withError(path: string, reason: OAuthLoginError): string {
  const url = new URL(path, "https://switchboard.invalid");
  url.searchParams.set("error", reason);
  return `${url.pathname}${url.search}${url.hash}`;
}

function errorSummary(err: unknown): string {
  if (err instanceof Error)
    return `${err.name}: ${err.message}${"code" in err && typeof err.code === "string" ? ` (${err.code})` : ""}`.slice(0, 300);
  return String(err).slice(0, 300);
}
