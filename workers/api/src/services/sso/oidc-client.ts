/**
 * The OpenID Connect relying party, on oauth4webapi (Workers-native, no Node APIs): discovery,
 * the authorization URL (code flow + PKCE S256 + state + nonce), and the callback — state and
 * `iss` checked, code exchanged with the PKCE verifier, ID token validated (issuer, audience,
 * azp, expiry, iat, nonce) and its signature checked against the provider's JWKS. No protocol
 * code of our own: this file only wires the library's steps together.
 *
 * Caches (per isolate): discovery documents for 10 minutes; JWKS through oauth4webapi's cache,
 * which refetches after 5 minutes, or at once when a token names an unknown `kid` and the cached
 * set is at least 60 s old (key rotation without a refetch storm on forged `kid`s).
 */
import * as oauth from "oauth4webapi";

export interface OidcClientConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

/** Plain http is allowed only for a provider on this machine in local development (the test provider). */
export function insecureAllowed(env: Pick<Env, "ENVIRONMENT">, issuer: string): boolean {
  const url = new URL(issuer);
  return env.ENVIRONMENT === "development" && url.protocol === "http:" && (url.hostname === "localhost" || url.hostname === "127.0.0.1");
}

const DISCOVERY_TTL_MS = 10 * 60 * 1000;
const discoveryCache = new Map<string, { as: oauth.AuthorizationServer; at: number }>();
const jwksCaches = new Map<string, oauth.JWKSCacheInput>();

function httpOptions(env: Pick<Env, "ENVIRONMENT">, issuer: string) {
  return insecureAllowed(env, issuer) ? { [oauth.allowInsecureRequests]: true } : {};
}

export async function discover(env: Pick<Env, "ENVIRONMENT">, issuer: string): Promise<oauth.AuthorizationServer> {
  const cached = discoveryCache.get(issuer);
  if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.as;
  const url = new URL(issuer);
  const response = await oauth.discoveryRequest(url, { algorithm: "oidc", ...httpOptions(env, issuer), signal: AbortSignal.timeout(5000) });
  const as = await oauth.processDiscoveryResponse(url, response);
  if (!as.authorization_endpoint || !as.token_endpoint || !as.jwks_uri)
    throw new Error("the provider's discovery document lacks an authorization, token or JWKS endpoint");
  discoveryCache.set(issuer, { as, at: Date.now() });
  return as;
}

export interface AuthorizationRequest {
  url: URL;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export async function authorizationRequest(
  env: Pick<Env, "ENVIRONMENT">,
  config: OidcClientConfig,
  redirectUri: string,
  loginHint: string | null,
): Promise<AuthorizationRequest> {
  const as = await discover(env, config.issuer);
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const url = new URL(as.authorization_endpoint!);
  url.searchParams.set("client_id", config.clientId);
  url.searchParams.set("redirect_uri", redirectUri);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", "openid email profile");
  url.searchParams.set("state", state);
  url.searchParams.set("nonce", nonce);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set("code_challenge_method", "S256");
  if (loginHint) url.searchParams.set("login_hint", loginHint);
  return { url, state, nonce, codeVerifier };
}

export interface ExpectedCallback {
  state: string;
  nonce: string;
  codeVerifier: string;
  redirectUri: string;
}

/** The validated ID-token claims of a callback, or a thrown oauth4webapi error naming what failed. */
export async function completeAuthorization(
  env: Pick<Env, "ENVIRONMENT">,
  config: OidcClientConfig,
  callbackUrl: URL,
  expected: ExpectedCallback,
): Promise<oauth.IDToken> {
  const as = await discover(env, config.issuer);
  const client: oauth.Client = { client_id: config.clientId };
  const params = oauth.validateAuthResponse(as, client, callbackUrl, expected.state);
  const http = httpOptions(env, config.issuer);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.ClientSecretBasic(config.clientSecret),
    params,
    expected.redirectUri,
    expected.codeVerifier,
    { ...http, signal: AbortSignal.timeout(10_000) },
  );
  const result = await oauth.processAuthorizationCodeResponse(as, client, response, {
    expectedNonce: expected.nonce,
    requireIdToken: true,
  });
  // The token came over TLS from the token endpoint, but we check the signature anyway: it costs one
  // cached JWKS fetch and holds even if a local-development provider is reached over plain http.
  let cache = jwksCaches.get(config.issuer);
  if (!cache) jwksCaches.set(config.issuer, (cache = {}));
  await oauth.validateApplicationLevelSignature(as, response, { ...http, [oauth.jwksCache]: cache, signal: AbortSignal.timeout(5000) });
  const claims = oauth.getValidatedIdTokenClaims(result);
  if (!claims) throw new Error("no ID token in the token response");
  return claims;
}

/** Error text for logs and audit (never shown to people as is). */
export function describeOidcError(err: unknown): string {
  if (err instanceof oauth.ResponseBodyError) return `${err.error}: ${err.error_description ?? ""}`.slice(0, 300);
  if (err instanceof oauth.AuthorizationResponseError) return `authorization error ${err.error}`.slice(0, 300);
  if (err instanceof Error)
    return `${err.name}: ${err.message}${"code" in err && typeof err.code === "string" ? ` (${err.code})` : ""}`.slice(0, 300);
  return String(err).slice(0, 300);
}
