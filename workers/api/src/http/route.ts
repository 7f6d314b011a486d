/**
 * `defineRoute`: the only way an API route is declared. It takes the route's access rule as a
 * required argument, runs `requireAccess` before validation (so a caller without the permission
 * learns nothing from validation errors), publishes the rule as `x-access` in the OpenAPI
 * document, and adds the standard error responses. The route-table test checks that every route
 * the app serves came through here.
 */
import { createRoute, type RouteConfig } from "@hono/zod-openapi";
import type { ZodType } from "zod";
import type { RouteAccess } from "../../../shared/auth/permissions";
import { ErrorBodySchema } from "../../../shared/errors/catalogue";
import { requireAccess } from "../middleware/access";

const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: ErrorBodySchema } } });

const STANDARD_ERRORS = {
  400: errorResponse("Invalid input (`validation_failed`, `invalid_json`)."),
  401: errorResponse("Not signed in, or the credential is invalid."),
  403: errorResponse("The role or API key lacks the permission, or CSRF check failed."),
  404: errorResponse("Not found, or in a tenant you cannot see."),
  429: errorResponse("Rate limited."),
};

const AUTHENTICATED: Array<Record<string, string[]>> = [{ sessionCookie: [] }, { apiKey: [] }];

export function defineRoute<P extends string, R extends Omit<RouteConfig, "path"> & { path: P }>(access: RouteAccess, config: R) {
  return createRoute({
    ...config,
    responses: { ...STANDARD_ERRORS, ...config.responses },
    middleware: [requireAccess(access)] as const,
    // A public route may still name the credential it checks itself (agent routes: the agent token).
    security: config.security ?? (access === "public" ? [] : AUTHENTICATED),
    "x-access": access,
  });
}

export function jsonBody<T extends ZodType>(schema: T, description?: string) {
  return { required: true, description, content: { "application/json": { schema } } };
}

export function jsonResponse<T extends ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}
