import type { OAuthLoginError } from "@shared/schemas/oauth";

/** What to tell a person whose provider sign-in or linking came back with `?error=<reason>`. */
const OAUTH_ERRORS: Record<OAuthLoginError, string> = {
  oauth_denied: "Sign-in with the provider was cancelled or refused.",
  oauth_failed: "We could not complete sign-in with the provider. Try again.",
  oauth_email_unverified: "The provider has no verified email address for that account. Verify it there, or sign in with email and password.",
  oauth_link_requires_verification: "An account with this email already exists. Log in with your password, then link the provider from Account security.",
  oauth_account_in_use: "That provider account is already linked to another Switchboard account.",
  oauth_link_session_changed: "You were signed out while linking. Log in and try linking again.",
};

export function oauthErrorMessage(reason: string): string {
  return OAUTH_ERRORS[reason as OAuthLoginError] ?? "Sign-in with the provider did not complete. Try again.";
}
