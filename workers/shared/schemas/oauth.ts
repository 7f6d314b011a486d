import { z } from "zod";
import { IsoTimeSchema } from "./common";

export const OAUTH_PROVIDER_IDS = ["github", "google"] as const;
export const OAuthProviderIdSchema = z.enum(OAUTH_PROVIDER_IDS).meta({ id: "OAuthProviderId" });
export type OAuthProviderId = z.infer<typeof OAuthProviderIdSchema>;

export const OAuthProviderSchema = z
  .object({ id: OAuthProviderIdSchema, name: z.string().meta({ description: "Label for the sign-in button." }) })
  .meta({ id: "OAuthProvider" });
export type OAuthProvider = z.infer<typeof OAuthProviderSchema>;

export const LinkedOAuthAccountSchema = z
  .object({
    provider: OAuthProviderIdSchema,
    email: z.string().meta({ description: "The verified email the provider reported when the account was last used." }),
    linkedAt: IsoTimeSchema,
  })
  .meta({ id: "LinkedOAuthAccount" });
export type LinkedOAuthAccount = z.infer<typeof LinkedOAuthAccountSchema>;

export const LinkedOAuthAccountsSchema = z
  .object({
    data: z.array(LinkedOAuthAccountSchema),
    hasPassword: z.boolean().meta({
      description: "Whether the account can also sign in with a password; without one, the last linked provider cannot be unlinked.",
    }),
  })
  .meta({ id: "LinkedOAuthAccounts" });

/**
 * Reasons a sign-in with a provider ends back on the login page, as `/login?error=<reason>`.
 * The dashboard maps each to a sentence; the audit event `auth.oauth_failed` records the same reason.
 */
export const OAUTH_LOGIN_ERRORS = [
  /** The person declined at the provider, or the provider reported an error. */
  "oauth_denied",
  /** The code exchange or the profile fetch failed. */
  "oauth_failed",
  /** The provider has no verified email for this account. */
  "oauth_email_unverified",
  /** An account with this email exists but its email is not verified here: sign in with the password and link from account security. */
  "oauth_link_requires_verification",
  /** Linking from account security: this provider account is already linked to another user, or this user already has a different account of that provider. */
  "oauth_account_in_use",
  /** Linking from account security: the browser is no longer signed in as the person who started linking. */
  "oauth_link_session_changed",
  /** The person's tenant requires single sign-on (docs/sso.md): sign in with SSO instead. */
  "sso_required",
] as const;
export type OAuthLoginError = (typeof OAUTH_LOGIN_ERRORS)[number];
