import type { Context } from "hono";
import type { AppEnv } from "../env";
import { allowedOrigins } from "../middleware/csrf";

/**
 * Where a link in a mail should point: the dashboard the person is using. A browser's Origin
 * header is trusted only if it is one of ours (the CSRF allowlist, or the request's own origin —
 * the dashboard's, behind its /v1 proxy); otherwise the API's own origin.
 */
export function linkOrigin(c: Context<AppEnv>): string {
  const origin = c.req.header("origin");
  return origin && allowedOrigins(c).has(origin) ? origin : new URL(c.req.url).origin;
}
