import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { log } from "../../../shared/observability/log";
import type { AppEnv } from "../env";
import { ApiError } from "./api-error";

export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof ApiError) return err.toResponse();
  if (err instanceof HTTPException) {
    // Hono raises these for malformed bodies inside its own validators.
    const code = err.status === 400 ? "invalid_json" : err.status === 401 ? "unauthenticated" : "bad_request";
    return new ApiError(code, err.message || "Bad request.").toResponse();
  }
  log.error("unhandled error", { method: c.req.method, path: c.req.path, error: err });
  return new ApiError("internal_error", "Something went wrong on our side. The request can be retried.").toResponse();
};

/** A path that exists with other methods answers 405 with `Allow`; anything else 404. */
export function notFoundHandler(knownRoutes: () => Array<{ method: string; path: string }>): NotFoundHandler<AppEnv> {
  return (c: Context<AppEnv>) => {
    const allowed = knownRoutes()
      .filter((r) => pathMatches(r.path, c.req.path))
      .map((r) => r.method.toUpperCase());
    if (allowed.length > 0) {
      const allow = [...new Set(allowed)].sort().join(", ");
      return new ApiError(
        "method_not_allowed",
        `${c.req.method} is not allowed on ${c.req.path}. Allowed: ${allow}.`,
        { allow: allow.split(", ") },
        { Allow: allow },
      ).toResponse();
    }
    return new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}.`).toResponse();
  };
}

/** Matches an OpenAPI (`{id}`) or Hono (`:id`) path template against a concrete path. */
export function pathMatches(template: string, path: string): boolean {
  const pattern = template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}|:[A-Za-z0-9_]+/g, "[^/]+");
  return new RegExp(`^${pattern}/?$`).test(path);
}
