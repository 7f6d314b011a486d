import { z } from "zod";
import { RoleSchema } from "../auth/roles";
import { EmailSchema, IsoTimeSchema } from "./common";

/** A DNS name as people type it in an email address: lower-cased, at least one dot, no scheme or path. */
export const EmailDomainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/, { message: "Enter a domain such as example.com." });

export const GroupRoleSchema = z
  .object({ group: z.string().trim().min(1).max(256), role: RoleSchema })
  .strict()
  .meta({ id: "SsoGroupRole" });

const connectionFields = {
  issuer: z.url({ message: "Enter the issuer URL, e.g. https://login.example.com/." }).max(512).meta({
    description:
      "The OpenID provider's issuer; `<issuer>/.well-known/openid-configuration` must answer. https only (http://localhost in local development).",
  }),
  clientId: z.string().trim().min(1).max(256),
  clientSecret: z.string().min(1).max(1024).meta({ description: "Stored encrypted; never returned." }),
  emailDomains: z
    .array(EmailDomainSchema)
    .min(1)
    .max(20)
    .meta({ description: "People with these email domains sign in through this connection; each domain belongs to one tenant." }),
  groupsClaim: z.string().trim().min(1).max(100).meta({ description: "The ID-token claim with the person's groups (default `groups`)." }),
  groupRoles: z.array(GroupRoleSchema).max(100).meta({
    description:
      "Group → tenant role. A person in several mapped groups gets the most powerful role; owner only with `allowOwnerFromGroups`.",
  }),
  defaultRole: RoleSchema.exclude(["owner"])
    .nullable()
    .meta({ description: "Role for a person none of whose groups is mapped; null refuses them." }),
  allowOwnerFromGroups: z
    .boolean()
    .meta({ description: "Let a group mapping grant (and take away) the owner role. Off by default; only an owner can turn it on." }),
  jitProvisioning: z
    .boolean()
    .meta({ description: "Make people members at their first SSO sign-in (just-in-time). Off: only existing members may sign in." }),
  ssoRequired: z.boolean().meta({
    description: "Refuse password and GitHub/Google sign-in for members whose email is in `emailDomains`, except the break-glass owner.",
  }),
  breakGlassUserId: z
    .string()
    .max(64)
    .nullable()
    .meta({ description: "An owner who keeps password sign-in while SSO is required. Required when `ssoRequired` is on." }),
  enabled: z.boolean(),
};

/** PUT body: the whole connection. `clientSecret` may be left out when one is already stored. */
export const PutSsoConnectionInputSchema = z
  .object({
    ...connectionFields,
    clientSecret: connectionFields.clientSecret.optional(),
    groupsClaim: connectionFields.groupsClaim.default("groups"),
    groupRoles: connectionFields.groupRoles.default([]),
    defaultRole: connectionFields.defaultRole.default("member"),
    allowOwnerFromGroups: connectionFields.allowOwnerFromGroups.default(false),
    jitProvisioning: connectionFields.jitProvisioning.default(true),
    ssoRequired: connectionFields.ssoRequired.default(false),
    breakGlassUserId: connectionFields.breakGlassUserId.default(null),
    enabled: connectionFields.enabled.default(true),
  })
  .strict()
  .meta({ id: "PutSsoConnectionInput" });
export type PutSsoConnectionInput = z.infer<typeof PutSsoConnectionInputSchema>;

export const SsoConnectionSchema = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    issuer: z.string(),
    clientId: z.string(),
    clientSecretSet: z.literal(true),
    emailDomains: z.array(z.string()),
    groupsClaim: z.string(),
    groupRoles: z.array(GroupRoleSchema),
    defaultRole: RoleSchema.nullable(),
    allowOwnerFromGroups: z.boolean(),
    jitProvisioning: z.boolean(),
    ssoRequired: z.boolean(),
    breakGlassUserId: z.string().nullable(),
    enabled: z.boolean(),
    redirectUri: z.string().meta({ description: "Register this as the redirect URI at the provider." }),
    createdAt: IsoTimeSchema,
    updatedAt: IsoTimeSchema,
  })
  .meta({ id: "SsoConnection" });
export type SsoConnection = z.infer<typeof SsoConnectionSchema>;

export const SsoDiscoverInputSchema = z.object({ email: EmailSchema }).strict().meta({ id: "SsoDiscoverInput" });
export const SsoDiscoverResultSchema = z
  .object({
    sso: z.boolean().meta({ description: "Whether this email's domain signs in with a tenant's SSO." }),
    required: z.boolean().meta({ description: "Whether that tenant refuses password sign-in for its members at this domain." }),
    tenantName: z.string().nullable(),
    startUrl: z.string().nullable().meta({ description: "Navigate the browser here to sign in with SSO." }),
  })
  .meta({ id: "SsoDiscoverResult" });

/**
 * Reasons an SSO sign-in ends back on the login page, as `/login?error=<reason>`. The dashboard maps
 * each to a sentence; the audit event `auth.sso_failed` records the same reason.
 */
export const SSO_LOGIN_ERRORS = [
  /** No enabled connection serves this email domain. */
  "sso_not_configured",
  /** The provider reported an error, or the person declined. */
  "sso_denied",
  /** The protocol failed: discovery, code exchange, or ID-token validation (issuer, audience, expiry, nonce, signature). */
  "sso_failed",
  /** The provider's email is missing, unverified or outside the connection's domains. */
  "sso_email_not_allowed",
  /** An account with this email exists but is not a member of the tenant: accept an invite with your usual sign-in first. */
  "sso_account_exists",
  /** Just-in-time provisioning is off and the person is not a member. */
  "sso_not_provisioned",
  /** None of the person's groups maps to a role and there is no default role. */
  "sso_no_role",
  /** Password or GitHub/Google sign-in refused: the person's tenant requires SSO. */
  "sso_required",
] as const;
export type SsoLoginError = (typeof SSO_LOGIN_ERRORS)[number];
