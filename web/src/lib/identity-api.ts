/**
 * Paths of the people-identity routes (MFA, password reset, OAuth, dev outbox) in one place.
 * Their shapes come from workers/shared/schemas/{mfa,oauth,auth}.ts.
 */
import type { OAuthProviderId } from "@shared/schemas/oauth";

export const identityPaths = {
  login: "/v1/auth/login",
  loginMfa: "/v1/auth/login/mfa",
  signup: "/v1/auth/signup",
  logout: "/v1/auth/logout",
  logoutAll: "/v1/auth/logout-all",
  forgotPassword: "/v1/auth/password/forgot",
  resetPassword: "/v1/auth/password/reset",
  devOutbox: "/v1/dev/outbox",
  mfaStatus: "/v1/me/mfa",
  mfaSetup: "/v1/me/mfa/totp/setup",
  mfaEnable: "/v1/me/mfa/totp/enable",
  mfaDisable: "/v1/me/mfa/disable",
  mfaRecoveryCodes: "/v1/me/mfa/recovery-codes",
  oauthProviders: "/v1/auth/oauth/providers",
  linkedAccounts: "/v1/me/oauth",
  unlink: (provider: OAuthProviderId) => `/v1/me/oauth/${provider}`,
  /** A top-level navigation (not fetch): the API redirects to the provider. */
  oauthStart: (provider: OAuthProviderId, redirectTo: string) =>
    `/v1/auth/oauth/${provider}/start?redirectTo=${encodeURIComponent(redirectTo)}`,
  /** Linking from account security: POST answers `{ url }`, the provider page to navigate to. */
  oauthLink: (provider: OAuthProviderId, redirectTo: string) =>
    `/v1/me/oauth/${provider}/link?redirectTo=${encodeURIComponent(redirectTo)}`,
};
