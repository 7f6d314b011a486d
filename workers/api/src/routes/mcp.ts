/**
 * `/mcp` (the MCP server, workers/api/src/mcp/server.ts) and its RFC 9728 protected-resource
 * metadata. Declared with defineRoute like every route: public at the access layer because the
 * MCP handler authenticates the agent token itself (`requireBearerAuth`). docs/mcp.md.
 */
import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../env";
import { defineRoute, jsonResponse } from "../http/route";
import { MCP_PATH, MCP_SCOPE, serveMcp } from "../mcp/server";

export const mcpRoutes = new OpenAPIHono<AppEnv>();
const tags = ["MCP"];

const MCP_DESCRIPTION =
  "Model Context Protocol server (Streamable HTTP, stateless, spec revision 2026-07-28; 2025-era clients are served statelessly too). Authenticate with a team agent token as `Authorization: Bearer <token>` (`POST /v1/agent-tokens` with `teamId`). JSON-RPC in, JSON or a request-scoped SSE stream out. Tools and resources: docs/mcp.md.";

async function forward(c: Context<AppEnv>): Promise<Response> {
  // The body guard already read (and cached) the body; hand the MCP handler a fresh Request.
  const hasBody =
    c.req.method === "POST" &&
    c.req.header("content-length") !== "0" &&
    (c.req.header("content-length") !== undefined || c.req.header("transfer-encoding") !== undefined);
  const headers = new Headers(c.req.raw.headers);
  // Workers derive the URL from Host, so they agree; only in-process calls (tests, service bindings) lack the header.
  if (!headers.has("host")) headers.set("host", new URL(c.req.url).host);
  const request = new Request(c.req.url, {
    method: c.req.method,
    headers,
    body: hasBody ? await c.req.text() : undefined,
    signal: c.req.raw.signal,
  });
  return serveMcp(request, c.env);
}

for (const method of ["post", "get", "delete", "options"] as const) {
  mcpRoutes.openapi(
    defineRoute("public", {
      method,
      path: MCP_PATH,
      tags,
      summary:
        method === "post"
          ? "MCP endpoint (JSON-RPC over Streamable HTTP)"
          : method === "options"
            ? "MCP CORS preflight"
            : `MCP ${method.toUpperCase()} (405: the server is stateless, no GET stream or sessions)`,
      description: MCP_DESCRIPTION,
      responses: {
        200: { description: "A JSON-RPC response (application/json) or an SSE stream (text/event-stream)." },
        ...(method === "options" ? { 204: { description: "Preflight answer." } } : {}),
        401: { description: "No or invalid agent token: OAuth error JSON with `WWW-Authenticate: Bearer … resource_metadata=…`." },
        403: { description: "Host or Origin not allowed (DNS-rebinding protection)." },
        405: { description: "GET and DELETE: not supported by a stateless server." },
      },
    }),
    (c) => forward(c) as never,
  );
}

const ProtectedResourceMetadataSchema = z
  .object({
    resource: z.string(),
    resource_name: z.string(),
    bearer_methods_supported: z.array(z.string()),
    scopes_supported: z.array(z.string()),
    resource_documentation: z.string(),
  })
  .meta({ id: "OAuthProtectedResourceMetadata" });

mcpRoutes.openapi(
  defineRoute("public", {
    method: "get",
    path: `/.well-known/oauth-protected-resource${MCP_PATH}`,
    tags,
    summary: "Protected-resource metadata of the MCP server (RFC 9728)",
    description:
      "Where MCP clients learn how to authenticate to `/mcp`: a bearer token in the Authorization header. No `authorization_servers` yet: agents get tokens by the client-credentials exchange (`POST /v1/agent-tokens`); interactive OAuth for third-party MCP clients is a later step (docs/mcp.md).",
    responses: { 200: jsonResponse(ProtectedResourceMetadataSchema, "The metadata document.") },
  }),
  (c) => {
    const origin = new URL(c.req.url).origin;
    c.header("Cache-Control", "public, max-age=3600");
    c.header("Access-Control-Allow-Origin", "*");
    return c.json(
      {
        resource: `${origin}${MCP_PATH}`,
        resource_name: "Switchboard MCP",
        bearer_methods_supported: ["header"],
        scopes_supported: [MCP_SCOPE],
        resource_documentation: `${origin}/docs`,
      },
      200,
    );
  },
);
