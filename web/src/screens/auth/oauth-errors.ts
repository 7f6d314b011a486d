import type { OAuthLoginError } from "@shared/schemas/oauth";
import type { SsoLoginError } from "@shared/schemas/sso";

/** What to tell a person whose provider sign-in or linking came back with `?error=<reason>`. */
const OAUTH_ERRORS: Record<OAuthLoginError, string> = {
  oauth_denied: "Sign-in with the provider was cancelled or refused.",
  oauth_failed: "We could not complete sign-in with the provider. Try again.",
  oauth_email_unverified:
    "The provider has no verified email address for that account. Verify it there, or sign in with email and password.",
  oauth_link_requires_verification:
    "An account with this email already exists. Log in with your password, then link the provider from Account security.",
  oauth_account_in_use: "That provider account is already linked to another Switchboard account.",
  oauth_link_session_changed: "You were signed out while linking. Log in and try linking again.",
  sso_required: "Your organisation requires single sign-on. Enter your work email and choose “Sign in with SSO”.",
};

/** SSO sign-ins come back with these (shared/schemas/sso.ts). */
const SSO_ERRORS: Record<SsoLoginError, string> = {
  sso_not_configured: "No single sign-on is set up for that email's domain. Log in with your password instead.",
  sso_denied: "Sign-in at your organisation's identity provider was cancelled or refused.",
  sso_failed: "We could not complete single sign-on with your organisation's identity provider. Try again, or ask your administrator.",
  sso_email_not_allowed: "Your identity provider gave an email address this organisation does not sign in with SSO.",
  sso_account_exists:
    "An account with this email already exists. Ask an admin of your organisation to invite it, accept with your usual sign-in, then use SSO.",
  sso_not_provisioned: "Your organisation has not given you access to Switchboard yet. Ask an admin to invite you.",
  sso_no_role: "None of your groups at the identity provider gives access to this organisation. Ask your administrator.",
  sso_required: "Your organisation requires single sign-on. Enter your work email and choose “Sign in with SSO”.",
};

export function oauthErrorMessage(reason: string): string {
  return (
    OAUTH_ERRORS[reason as OAuthLoginError] ??
    SSO_ERRORS[reason as SsoLoginError] ??
    "Sign-in with the provider did not complete. Try again."
  );
}
