/**
 * The API Worker's Hono app. Middleware order matters: request id (and log context) → request context → body guard (so bad
 * bodies fail before anything else) → authentication (+ CSRF) → the route's own access check
 * (declared through defineRoute) → zod validation → handler.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { referencePage } from "./docs/reference-page";
import type { AppEnv } from "./env";
import { notFoundHandler, onError } from "./http/error-handler";
import { validationHook } from "./http/validation-hook";
import { authenticate } from "./middleware/authenticate";
import { requestBody } from "./middleware/request-body";
import { requestContext } from "./middleware/request-context";
import { requestMeta } from "./middleware/request-meta";
import { TAGS } from "./http/openapi-operations";
import { ROUTE_MODULES } from "./routes";

export const OPENAPI_INFO = {
  title: "Switchboard API",
  version: "1.0.0",
  description:
    "Control plane for teams of AI agents. Errors always have the shape `{ error: { code, message, details?, requestId } }`; codes are listed in docs/errors.md. Every response carries its request's id in `X-Request-Id`.",
};

/** Paths served outside defineRoute, on purpose: documents about the API, not API operations. */
export const DOCUMENT_ROUTES = [
  { method: "GET", path: "/openapi.json" },
  { method: "GET", path: "/docs" },
] as const;

export function createApp() {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use("*", requestContext, requestMeta, requestBody, authenticate);
  for (const module of ROUTE_MODULES) app.route("/", module);

  app.openAPIRegistry.registerComponent("securitySchemes", "sessionCookie", {
    type: "apiKey",
    in: "cookie",
    name: "sb_session",
    description: "A person's session, set by `POST /v1/auth/login` (HttpOnly cookie).",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "apiKey", {
    type: "http",
    scheme: "bearer",
    description: "An API key, `Authorization: Bearer sbk_…`: scoped to one tenant, acting with at most its creator's current permissions.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "agentToken", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description:
      "A short-lived agent token (EdDSA JWT) from `POST /v1/agent-tokens`: `Authorization: Bearer <token>` (browsers' WebSockets: the `bearer.<token>` subprotocol).",
  });
  // A function, so `servers` names the deployment that served the document: a client generated from it calls the same API.
  app.doc31("/openapi.json", (c) => ({
    openapi: "3.1.0",
    info: OPENAPI_INFO,
    servers: [{ url: new URL(c.req.url).origin, description: "This deployment" }],
    tags: TAGS,
  }));
  app.get("/docs", referencePage);

  app.onError(onError);
  app.notFound(notFoundHandler(() => app.routes.filter((r) => r.method !== "ALL")));
  return app;
}
