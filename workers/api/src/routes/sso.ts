/**
 * Single sign-on with OpenID Connect (docs/sso.md): a tenant's connection (admins configure it),
 * and the sign-in a person starts from the login page by their email domain.
 *
 * The callback is a browser navigation, so its outcomes are redirects: to `redirectTo` (or `/`) on
 * success, to `/login?error=<reason>` (reasons in shared/schemas/sso.ts) on failure. Only a
 * callback with no flow cookie of this browser answers 400 in our error shape: there is no
 * trustworthy flow to send it back into.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { and, eq, inArray, ne } from "drizzle-orm";
import type { Context } from "hono";
import { decryptField, encryptField } from "../../../shared/crypto/encryption";
import { newId } from "../../../shared/crypto/ids";
import { memberships, ssoConnections, ssoDomains, ssoIdentities, tenants, type SsoConnectionRow } from "../../../shared/db/schema";
import { ErrorBodySchema } from "../../../shared/errors/catalogue";
import { toIso } from "../../../shared/schemas/common";
import {
  PutSsoConnectionInputSchema,
  SsoConnectionSchema,
  SsoDiscoverInputSchema,
  SsoDiscoverResultSchema,
  type SsoConnection,
  type SsoLoginError,
} from "../../../shared/schemas/sso";
import type { AppEnv } from "../env";
import { ApiError, notFound } from "../http/api-error";
import { audit } from "../http/audit";
import { TenantParams } from "../http/params";
import { defineRoute, jsonBody, jsonResponse } from "../http/route";
import { invalidFields } from "../http/validation-hook";
import { safeRedirectPath } from "../services/oauth/flow";
import { createSession } from "../services/sessions";
import { signInWithSso, type SsoClaims } from "../services/sso/accounts";
import { endFlow, loadFlow, saveFlow, SSO_FLOW_TTL_S, ssoCallbackUrl } from "../services/sso/flow";
import { authorizationRequest, completeAuthorization, describeOidcError, discover, insecureAllowed } from "../services/sso/oidc-client";
import { ssoStartPath } from "../services/sso/policy";

export const ssoRoutes = new OpenAPIHono<AppEnv>();
const tags = ["Single sign-on"];
const SECRET_PURPOSE = "sso-client-secret";
const ConnectionEnvelope = z.object({ connection: SsoConnectionSchema });
const redirect = (description: string) => ({ description, headers: z.object({ Location: z.string() }) });

const toConnection = (c: Context<AppEnv>, row: SsoConnectionRow): SsoConnection => ({
  id: row.id,
  tenantId: row.tenantId,
  issuer: row.issuer,
  clientId: row.clientId,
  clientSecretSet: true,
  emailDomains: row.emailDomains,
  groupsClaim: row.groupsClaim,
  groupRoles: row.groupRoles,
  defaultRole: row.defaultRole,
  allowOwnerFromGroups: row.allowOwnerFromGroups,
  jitProvisioning: row.jitProvisioning,
  ssoRequired: row.ssoRequired,
  breakGlassUserId: row.breakGlassUserId,
  enabled: row.enabled,
  redirectUri: ssoCallbackUrl(c),
  createdAt: toIso(row.createdAt),
  updatedAt: toIso(row.updatedAt),
});

async function connectionOf(c: Context<AppEnv>, tenantId: string): Promise<SsoConnectionRow | undefined> {
  return c.get("db").select().from(ssoConnections).where(eq(ssoConnections.tenantId, tenantId)).get();
}

ssoRoutes.openapi(
  defineRoute("sso:read", {
    method: "get",
    path: "/v1/tenants/{tenantId}/sso",
    tags,
    summary: "The tenant's SSO connection (never its client secret)",
    request: { params: TenantParams },
    responses: {
      200: jsonResponse(ConnectionEnvelope, "The connection."),
      404: jsonResponse(ErrorBodySchema, "No connection is configured."),
    },
  }),
  async (c) => {
    const row = await connectionOf(c, c.get("tenantAccess").tenant.id);
    if (!row) throw notFound("SSO connection");
    return c.json({ connection: toConnection(c, row) }, 200);
  },
);

ssoRoutes.openapi(
  defineRoute("sso:write", {
    method: "put",
    path: "/v1/tenants/{tenantId}/sso",
    tags,
    summary: "Create or replace the tenant's SSO connection",
    description:
      "The issuer is checked by fetching its discovery document (400 naming `issuer` if it fails). Each email domain belongs to one tenant (409 `domain_taken`). Turning `ssoRequired` on needs a `breakGlassUserId` who is an owner; turning `allowOwnerFromGroups` on, or naming a break-glass owner, needs the caller to be an owner (`owner_required`). Changing the issuer forgets the identities linked through the old one.",
    request: { params: TenantParams, body: jsonBody(PutSsoConnectionInputSchema) },
    responses: { 200: jsonResponse(ConnectionEnvelope, "Saved."), 409: jsonResponse(ErrorBodySchema, "`domain_taken`.") },
  }),
  async (c) => {
    const input = c.req.valid("json");
    const { tenant, role } = c.get("tenantAccess");
    const db = c.get("db");
    const before = await connectionOf(c, tenant.id);
    // Kept exactly as given: discovery must answer with this very issuer string (OIDC Discovery §4.3).
    const issuer = input.issuer;
    await assertIssuer(c, issuer);
    if (!before && !input.clientSecret) throw invalidFields([{ path: "clientSecret", message: "Required for a new connection." }]);
    if (input.ssoRequired && !input.breakGlassUserId)
      throw invalidFields([
        {
          path: "breakGlassUserId",
          message: "Name a break-glass owner before requiring SSO, so a broken provider cannot lock the tenant out.",
        },
      ]);
    const ownerOnlyChange =
      (input.allowOwnerFromGroups && !before?.allowOwnerFromGroups) ||
      (input.breakGlassUserId !== null && input.breakGlassUserId !== before?.breakGlassUserId);
    if (ownerOnlyChange && role !== "owner")
      throw new ApiError("owner_required", "Only an owner may let groups grant the owner role or name the break-glass owner.");
    if (input.breakGlassUserId !== null) {
      const owner = await db
        .select({ role: memberships.role })
        .from(memberships)
        .where(and(eq(memberships.tenantId, tenant.id), eq(memberships.userId, input.breakGlassUserId)))
        .get();
      if (owner?.role !== "owner") throw invalidFields([{ path: "breakGlassUserId", message: "Must be an owner of this tenant." }]);
    }
    const domains = [...new Set(input.emailDomains)];
    const taken = await db
      .select({ domain: ssoDomains.domain })
      .from(ssoDomains)
      .where(and(inArray(ssoDomains.domain, domains), ne(ssoDomains.tenantId, tenant.id)))
      .all();
    if (taken.length > 0)
      throw new ApiError("domain_taken", `Another tenant's SSO already serves ${taken.map((t) => t.domain).join(", ")}.`, {
        domain: taken[0]!.domain,
      });

    const now = Date.now();
    const row: SsoConnectionRow = {
      id: before?.id ?? newId("ssoConnection", now),
      tenantId: tenant.id,
      issuer,
      clientId: input.clientId,
      clientSecretEnc: input.clientSecret
        ? await encryptField(input.clientSecret, c.env.DATA_ENCRYPTION_KEY, SECRET_PURPOSE)
        : before!.clientSecretEnc,
      emailDomains: domains,
      groupsClaim: input.groupsClaim,
      groupRoles: input.groupRoles,
      defaultRole: input.defaultRole,
      allowOwnerFromGroups: input.allowOwnerFromGroups,
      jitProvisioning: input.jitProvisioning,
      ssoRequired: input.ssoRequired,
      breakGlassUserId: input.breakGlassUserId,
      enabled: input.enabled,
      createdAt: before?.createdAt ?? now,
      updatedAt: now,
    };
    const { id, tenantId, createdAt, ...changes } = row;
    try {
      await db.batch([
        db.insert(ssoConnections).values(row).onConflictDoUpdate({ target: ssoConnections.id, set: changes }),
        db.delete(ssoDomains).where(eq(ssoDomains.connectionId, row.id)),
        ...domains.map((domain) => db.insert(ssoDomains).values({ domain, tenantId: tenant.id, connectionId: row.id })),
        // A new issuer is a new population of people: old links must not carry over.
        ...(before && before.issuer !== issuer ? [db.delete(ssoIdentities).where(eq(ssoIdentities.connectionId, row.id))] : []),
      ]);
    } catch (err) {
      // A concurrent save by another tenant claimed a domain between our check and this batch.
      if (`${String(err)} ${String((err as { cause?: unknown }).cause)}`.includes("UNIQUE"))
        throw new ApiError("domain_taken", "Another tenant's SSO claimed one of these domains meanwhile.", { domain: domains[0] });
      throw err;
    }
    await audit(c, {
      action: before ? "sso.updated" : "sso.created",
      target: { type: "sso_connection", id },
      severity: "warning",
      details: {
        issuer,
        clientId: row.clientId,
        emailDomains: domains,
        ssoRequired: row.ssoRequired,
        allowOwnerFromGroups: row.allowOwnerFromGroups,
        jitProvisioning: row.jitProvisioning,
        enabled: row.enabled,
        secretChanged: Boolean(input.clientSecret),
        tenantId,
        createdAt: toIso(createdAt),
      },
    });
    return c.json({ connection: toConnection(c, row) }, 200);
  },
);

ssoRoutes.openapi(
  defineRoute("sso:write", {
    method: "delete",
    path: "/v1/tenants/{tenantId}/sso",
    tags,
    summary: "Remove the tenant's SSO connection; members sign in as before (SSO-only accounts then need a password reset)",
    request: { params: TenantParams },
    responses: { 204: { description: "Removed." } },
  }),
  async (c) => {
    const row = await connectionOf(c, c.get("tenantAccess").tenant.id);
    if (!row) throw notFound("SSO connection");
    await c.get("db").delete(ssoConnections).where(eq(ssoConnections.id, row.id));
    await audit(c, {
      action: "sso.deleted",
      target: { type: "sso_connection", id: row.id },
      severity: "warning",
      details: { issuer: row.issuer },
    });
    return c.body(null, 204);
  },
);

ssoRoutes.openapi(
  defineRoute("public", {
    method: "post",
    path: "/v1/auth/sso/discover",
    tags,
    summary: "Does this email sign in with SSO? (the login page asks before showing the password field)",
    request: { body: jsonBody(SsoDiscoverInputSchema) },
    responses: { 200: jsonResponse(SsoDiscoverResultSchema, "Whether a tenant's SSO serves the email's domain.") },
  }),
  async (c) => {
    const { email } = c.req.valid("json");
    const found = await connectionForEmail(c, email);
    if (!found) return c.json({ sso: false, required: false, tenantName: null, startUrl: null }, 200);
    return c.json({ sso: true, required: found.connection.ssoRequired, tenantName: found.tenantName, startUrl: ssoStartPath(email) }, 200);
  },
);

ssoRoutes.openapi(
  defineRoute("public", {
    method: "get",
    path: "/v1/auth/sso/start",
    tags,
    summary: "Start signing in with the SSO of the email's domain",
    description: `Redirects to the tenant's OpenID provider (authorization code + PKCE S256 + state + nonce, \`login_hint\` = the email). The flow is kept in one sealed HttpOnly cookie for ${SSO_FLOW_TTL_S / 60} minutes. Unknown or disabled domain: back to \`/login?error=sso_not_configured\`.`,
    request: { query: z.object({ email: z.string().max(254), redirectTo: z.string().max(2048).optional() }).strict() },
    responses: { 302: redirect("To the provider, or back to the login page with `?error=`.") },
  }),
  async (c) => {
    const { email, redirectTo } = c.req.valid("query");
    const next = safeRedirectPath(redirectTo);
    const found = await connectionForEmail(c, email.trim().toLowerCase());
    if (!found) return c.redirect(loginWithError("sso_not_configured", next), 302);
    const { connection } = found;
    try {
      const request = await authorizationRequest(c.env, await clientConfig(c, connection), ssoCallbackUrl(c), email.trim().toLowerCase());
      await saveFlow(c, {
        connectionId: connection.id,
        state: request.state,
        nonce: request.nonce,
        codeVerifier: request.codeVerifier,
        redirectTo: next,
      });
      return c.redirect(request.url.toString(), 302);
    } catch (err) {
      await auditFailure(c, connection, "sso_failed", { stage: "discovery", error: describeOidcError(err) });
      return c.redirect(loginWithError("sso_failed", next), 302);
    }
  },
);

ssoRoutes.openapi(
  defineRoute("public", {
    method: "get",
    path: "/v1/auth/sso/callback",
    tags,
    summary: "Where the OpenID provider sends the browser back",
    description:
      "Register `<origin>/v1/auth/sso/callback` as the redirect URI at the provider. Validates state, the `iss` parameter, the code exchange (PKCE) and the ID token (issuer, audience, expiry, nonce, signature from the provider's JWKS), then signs in, links or provisions the person and applies the group → role mapping. Redirects to `redirectTo` (or `/`), or to `/login?error=<reason>`.",
    // Not strict: providers add parameters of their own (iss, session_state…).
    request: {
      query: z.object({
        code: z.string().max(4096).optional(),
        state: z.string().max(512).optional(),
        error: z.string().max(256).optional(),
      }),
    },
    responses: { 302: redirect("Signed in (session cookie set), or back to the login page with `?error=`.") },
  }),
  async (c) => {
    const flow = await loadFlow(c);
    endFlow(c);
    if (!flow)
      throw new ApiError(
        "bad_request",
        "This sign-in did not start in this browser, or it started more than 10 minutes ago. Start signing in again.",
      );
    const connection = await c.get("db").select().from(ssoConnections).where(eq(ssoConnections.id, flow.connectionId)).get();
    if (!connection || !connection.enabled) return c.redirect(loginWithError("sso_not_configured", flow.redirectTo), 302);
    const tenant = await c.get("db").select().from(tenants).where(eq(tenants.id, connection.tenantId)).get();
    if (!tenant || tenant.deletedAt !== null) return c.redirect(loginWithError("sso_not_configured", flow.redirectTo), 302);
    // Audit and plan limits act in the connection's tenant from here on.
    c.set("tenantAccess", { tenant, role: null, permissions: new Set() });

    const { error } = c.req.valid("query");
    if (error !== undefined) {
      await auditFailure(c, connection, "sso_denied", { error });
      return c.redirect(loginWithError("sso_denied", flow.redirectTo), 302);
    }
    let claims: SsoClaims;
    try {
      claims = (await completeAuthorization(c.env, await clientConfig(c, connection), new URL(c.req.url), {
        ...flow,
        redirectUri: ssoCallbackUrl(c),
      })) as SsoClaims;
    } catch (err) {
      await auditFailure(c, connection, "sso_failed", { error: describeOidcError(err) });
      return c.redirect(loginWithError("sso_failed", flow.redirectTo), 302);
    }
    const result = await signInWithSso(c, connection, claims);
    if (!result.ok) {
      await auditFailure(c, connection, result.reason, { subject: claims.sub, groups: result.groups }, result.userId);
      return c.redirect(loginWithError(result.reason, flow.redirectTo), 302);
    }
    const { user } = result;
    const actor = { type: "user" as const, id: user.id, name: user.email };
    if (result.previousRole !== result.role) {
      await audit(c, {
        actor,
        action: result.previousRole === null ? "member.joined_via_sso" : "member.role_changed",
        target: { type: "member", id: user.id },
        severity: result.role === "owner" || result.previousRole === "owner" ? "warning" : "info",
        details: { from: result.previousRole, to: result.role, via: "sso", groups: result.groups },
      });
    }
    // The provider authenticated the person (and enforces its own MFA): no second local factor.
    const session = await createSession(c, user);
    await audit(c, {
      actor,
      action: "auth.sso_login",
      target: { type: "session", id: session.id },
      details: { connectionId: connection.id, issuer: connection.issuer, subject: claims.sub, account: result.account, role: result.role },
    });
    return c.redirect(flow.redirectTo ?? `/t/${connection.tenantId}`, 302);
  },
);

/** The enabled connection serving the email's domain, with its tenant's name. */
async function connectionForEmail(c: Context<AppEnv>, email: string): Promise<{ connection: SsoConnectionRow; tenantName: string } | null> {
  const at = email.lastIndexOf("@");
  if (at < 1) return null;
  const domain = email.slice(at + 1).toLowerCase();
  const row = await c
    .get("db")
    .select({ connection: ssoConnections, tenantName: tenants.name, deletedAt: tenants.deletedAt })
    .from(ssoDomains)
    .innerJoin(ssoConnections, eq(ssoConnections.id, ssoDomains.connectionId))
    .innerJoin(tenants, eq(tenants.id, ssoDomains.tenantId))
    .where(eq(ssoDomains.domain, domain))
    .get();
  if (!row || !row.connection.enabled || row.deletedAt !== null) return null;
  return { connection: row.connection, tenantName: row.tenantName };
}

async function clientConfig(c: Context<AppEnv>, connection: SsoConnectionRow) {
  return {
    issuer: connection.issuer,
    clientId: connection.clientId,
    clientSecret: await decryptField(connection.clientSecretEnc, c.env.DATA_ENCRYPTION_KEY, SECRET_PURPOSE),
  };
}

/** https only (http://localhost in local development), and the discovery document must answer for this exact issuer. */
async function assertIssuer(c: Context<AppEnv>, issuer: string): Promise<void> {
  const url = new URL(issuer);
  if (url.protocol !== "https:" && !insecureAllowed(c.env, issuer))
    throw invalidFields([{ path: "issuer", message: "The issuer must be an https URL." }]);
  try {
    await discover(c.env, issuer);
  } catch (err) {
    throw invalidFields([{ path: "issuer", message: `The provider's discovery document could not be read: ${describeOidcError(err)}` }]);
  }
}

function auditFailure(
  c: Context<AppEnv>,
  connection: SsoConnectionRow,
  reason: SsoLoginError,
  details: Record<string, unknown> = {},
  userId: string | null = null,
) {
  return audit(c, {
    tenantId: connection.tenantId,
    actor: { type: "anonymous", id: userId, name: null },
    action: "auth.sso_failed",
    target: userId ? { type: "user", id: userId } : { type: "sso_connection", id: connection.id },
    severity: "warning",
    outcome: "failure",
    details: { reason, connectionId: connection.id, ...details },
  });
}

function loginWithError(reason: SsoLoginError, next: string | null): string {
  const params = new URLSearchParams({ error: reason });
  if (next) params.set("next", next);
  return `/login?${params}`;
}
