/**
 * CSRF defence for cookie-authenticated changes. Three layers:
 * 1. the session cookie is SameSite=Lax, so cross-site sub-requests do not carry it;
 * 2. bodies must be application/json (request-body.ts), which a cross-site HTML form cannot send
 *    and cross-site fetch cannot send without a CORS preflight we never approve;
 * 3. here: a browser's `Origin` (or, failing that, `Sec-Fetch-Site`) must say the request comes
 *    from our own origin or ALLOWED_ORIGINS. Non-browser clients (curl, SDKs) send neither header
 *    and are let through; they cannot be driven by a malicious page.
 * API-key requests carry no ambient credential and skip this check.
 */
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../http/api-error";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function allowedOrigins(c: Context<AppEnv>): Set<string> {
  const configured = (c.env.ALLOWED_ORIGINS ?? "")
    .split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  return new Set([new URL(c.req.url).origin, ...configured]);
}

export function assertSameOrigin(c: Context<AppEnv>): void {
  if (SAFE_METHODS.has(c.req.method)) return;
  const origin = c.req.header("origin");
  if (origin !== undefined) {
    if (allowedOrigins(c).has(origin)) return;
    throw new ApiError("csrf_rejected", `Requests from origin ${origin} may not change data with a session cookie.`, { origin });
  }
  const site = c.req.header("sec-fetch-site");
  if (site !== undefined && site !== "same-origin" && site !== "none") {
    throw new ApiError("csrf_rejected", "Cross-site requests may not change data with a session cookie.", { secFetchSite: site });
  }
}
