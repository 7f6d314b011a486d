/**
 * Resolves the caller: `Authorization: Bearer <api key>` or the session cookie. A presented but
 * invalid credential is refused outright (401) rather than silently treated as anonymous, so a
 * client with a revoked key learns it at once. Cookie-authenticated changes pass the CSRF check.
 */
import type { MiddlewareHandler } from "hono";
import { isJwtShaped } from "../../../shared/agent-identity/agent-token";
import type { AppEnv } from "../env";
import { ApiError } from "../http/api-error";
import { apiKeyFromBearer } from "../services/api-key-auth";
import { sessionFromCookie, SESSION_COOKIE } from "../services/sessions";
import { assertSameOrigin } from "./csrf";

export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const authorization = c.req.header("authorization");
  if (authorization !== undefined) {
    const [scheme, credential] = authorization.split(" ", 2);
    if (scheme?.toLowerCase() !== "bearer" || !credential) {
      throw new ApiError("unauthenticated", "Use `Authorization: Bearer <api key>`.");
    }
    // Agent tokens are not sessions or API keys: the routes that accept them verify them (see agent-identity).
    if (isJwtShaped(credential.trim())) return next();
    const apiKey = await apiKeyFromBearer(c, credential.trim());
    if (!apiKey) throw new ApiError("unauthenticated", "The API key is invalid, expired or revoked.");
    c.set("principal", { type: "api_key", apiKey });
    return next();
  }
  if (c.req.header("cookie")?.includes(`${SESSION_COOKIE}=`)) {
    const found = await sessionFromCookie(c);
    if (found) {
      assertSameOrigin(c);
      c.set("principal", { type: "user", ...found });
    }
  }
  return next();
};
