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
import { derivedOperationId, isAgentTokenRoute, OPERATION_IDS, operationKey } from "./openapi-operations";

const errorResponse = (description: string) => ({ description, content: { "application/json": { schema: ErrorBodySchema } } });

const STANDARD_ERRORS = {
  400: errorResponse("Invalid input (`validation_failed`, `invalid_json`)."),
  401: errorResponse("Not signed in, or the credential is invalid."),
  403: errorResponse("The role or API key lacks the permission, or CSRF check failed."),
  404: errorResponse("Not found, or in a tenant you cannot see."),
  429: errorResponse("Rate limited."),
};

type Security = Array<Record<string, string[]>>;
const SESSION_OR_API_KEY: Security = [{ sessionCookie: [] }, { apiKey: [] }];
const SESSION_ONLY: Security = [{ sessionCookie: [] }];
const AGENT_TOKEN: Security = [{ agentToken: [] }];

/** Who may call, as OpenAPI security requirements: people-only routes take no API key; agent routes take an agent token. */
function securityOf(access: RouteAccess, method: string, path: string): Security {
  if (isAgentTokenRoute(operationKey(method, path))) return AGENT_TOKEN;
  if (access === "public") return [];
  if (access === "user" || access === "operator") return SESSION_ONLY;
  return SESSION_OR_API_KEY;
}

export function defineRoute<P extends string, R extends Omit<RouteConfig, "path"> & { path: P }>(access: RouteAccess, config: R) {
  const key = operationKey(config.method, config.path);
  return createRoute({
    ...config,
    operationId: config.operationId ?? OPERATION_IDS[key] ?? derivedOperationId(config.method, config.path),
    responses: { ...STANDARD_ERRORS, ...config.responses },
    middleware: [requireAccess(access)] as const,
    security: securityOf(access, config.method, config.path),
    "x-access": access,
  });
}

export function jsonBody<T extends ZodType>(schema: T, description?: string) {
  return { required: true, description, content: { "application/json": { schema } } };
}

export function jsonResponse<T extends ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}
