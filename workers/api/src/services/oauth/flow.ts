/**
 * The browser half of an OAuth round trip: what we must remember between sending the person to
 * the provider and their return, kept in short-lived cookies rather than storage so an abandoned
 * flow leaves nothing behind.
 * - `state` defeats login CSRF (an attacker's code replayed into the victim's browser);
 * - the PKCE `code_verifier` makes a stolen code useless to anyone but this browser;
 * - `redirectTo` is where to land afterwards, already checked to be one of our own paths;
 * - `link` is the user who asked to link a provider from account security.
 * Cookies are HttpOnly, SameSite=Lax (the provider's redirect back is a top-level GET, which Lax
 * lets through) and scoped to /v1/auth/oauth so no other route ever sees them.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { generateCodeVerifier, generateState } from "arctic";
import { constantTimeEqual, utf8 } from "../../../../shared/crypto/encoding";
import type { OAuthProviderId } from "../../../../shared/schemas/oauth";
import type { AppEnv } from "../../env";
import { isLocalhost } from "../sessions";
import { OAUTH_PROVIDERS } from "./providers";

export const OAUTH_COOKIE_PATH = "/v1/auth/oauth";
export const OAUTH_FLOW_TTL_S = 10 * 60;
export const OAUTH_COOKIES = {
  state: "sb_oauth_state",
  codeVerifier: "sb_oauth_verifier",
  redirectTo: "sb_oauth_redirect",
  link: "sb_oauth_link",
} as const;
const MAX_REDIRECT_LENGTH = 2048;

export interface OAuthFlow {
  state: string;
  codeVerifier: string;
  redirectTo: string | null;
  linkUserId: string | null;
}

/** Where the provider sends the person back: on this request's origin, so one build serves localhost and production. */
export function callbackUrl(c: Context<AppEnv>, provider: OAuthProviderId): string {
  return `${new URL(c.req.url).origin}${OAUTH_COOKIE_PATH}/${provider}/callback`;
}

/** Remembers a new flow in cookies and returns the provider's authorization URL to send the browser to. */
export function beginFlow(
  c: Context<AppEnv>,
  provider: OAuthProviderId,
  options: { redirectTo: string | null; linkUserId: string | null },
): URL {
  const flow: OAuthFlow = { state: generateState(), codeVerifier: generateCodeVerifier(), ...options };
  const cookie = (name: string, value: string | null) => {
    if (value === null) deleteCookie(c, name, cookieOptions(c));
    else setCookie(c, name, value, { ...cookieOptions(c), maxAge: OAUTH_FLOW_TTL_S });
  };
  cookie(OAUTH_COOKIES.state, flow.state);
  cookie(OAUTH_COOKIES.codeVerifier, flow.codeVerifier);
  // A stale value from an earlier, abandoned flow must not leak into this one.
  cookie(OAUTH_COOKIES.redirectTo, flow.redirectTo && encodeURIComponent(flow.redirectTo));
  cookie(OAUTH_COOKIES.link, flow.linkUserId);
  return OAUTH_PROVIDERS[provider].authorizationUrl(c.env, callbackUrl(c, provider), flow.state, flow.codeVerifier);
}

/** The flow this browser started, if its cookies are still there and `state` matches them. */
export function resumeFlow(c: Context<AppEnv>, returnedState: string): OAuthFlow | null {
  const state = getCookie(c, OAUTH_COOKIES.state);
  const codeVerifier = getCookie(c, OAUTH_COOKIES.codeVerifier);
  if (!state || !codeVerifier || !constantTimeEqual(utf8(state), utf8(returnedState))) return null;
  const redirect = getCookie(c, OAUTH_COOKIES.redirectTo);
  return {
    state,
    codeVerifier,
    // Re-checked: the cookie is ours, but a path is cheap to validate twice.
    redirectTo: redirect ? safeRedirectPath(safeDecode(redirect)) : null,
    linkUserId: getCookie(c, OAUTH_COOKIES.link) || null,
  };
}

export function endFlow(c: Context<AppEnv>): void {
  for (const name of Object.values(OAUTH_COOKIES)) deleteCookie(c, name, cookieOptions(c));
}

/**
 * Open-redirect guard: only a path on our own origin is kept. Parsing against a throwaway base
 * catches the forms browsers treat as another host (`//evil`, `/\evil`, `/<tab>/evil`).
 */
export function safeRedirectPath(raw: string | null | undefined): string | null {
  if (!raw || raw.length > MAX_REDIRECT_LENGTH || !raw.startsWith("/") || raw.startsWith("//")) return null;
  const base = "https://switchboard.invalid";
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return null;
  }
  if (url.origin !== base) return null;
  const path = `${url.pathname}${url.search}${url.hash}`;
  return path.startsWith("//") ? null : path;
}

function cookieOptions(c: Context<AppEnv>) {
  return { path: OAUTH_COOKIE_PATH, httpOnly: true, secure: !isLocalhost(c.req.url), sameSite: "Lax" as const };
}

function safeDecode(value: string): string | null {
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}
