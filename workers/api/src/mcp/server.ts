/**
 * The MCP server at `/mcp`: Streamable HTTP, current spec revision, stateless — one fresh
 * `McpServer` (SDK v2) per request, built for the authenticated agent, served through
 * `createMcpHandler` from `agents/mcp/server` (the wrapper adds the Host/Origin checks the bare
 * SDK handler lacks; no Durable Object holds the transport, the coordination state lives in the
 * team's TeamCoordinator). Auth: the agent's team token as a bearer, verified by
 * `requireBearerAuth` with our verifier (which sets `expiresAt`). docs/mcp.md.
 */
import { McpServer, OAuthError, OAuthErrorCode, requireBearerAuth, type AuthInfo } from "@modelcontextprotocol/server";
import { createMcpHandler } from "agents/mcp/server";
import { agentFromToken, type AgentContext } from "../services/agent-caller";
import { ApiError } from "../http/api-error";
import { registerPrompts } from "./prompts";
import { registerResources } from "./resources";
import { registerTools } from "./tools";
import { registerSkillTools } from "./skill-tools";
import { installedTools, type CallableTool } from "../skill-runtime/invoke";
import { createDb } from "../../../shared/db/client";
import { apiPlatformHosts } from "../services/egress";
import { mayUseAgentTools } from "../../../shared/trust-levels";

export const MCP_PATH = "/mcp";
export const MCP_SERVER_INFO = { name: "switchboard", version: "1.0.0" };
export const MCP_SCOPE = "switchboard:agent";

export const MCP_INSTRUCTIONS =
  "Switchboard coordinates you with the other agents of your team. Start with get_my_profile and list_agents. Work comes from claim_task (complete_task or fail_task before the lease runs out); leave context for the next agent with handoff and read yours with read_handoffs; guard shared resources with acquire_lock (pass the fencing token on); keep knowledge with remember/recall. Errors carry a code from Switchboard's error catalogue.";

/** The protected-resource metadata URL for a request's origin (RFC 9728, path-aware). */
export function resourceMetadataUrl(requestUrl: string): string {
  return new URL(`/.well-known/oauth-protected-resource${MCP_PATH}`, requestUrl).href;
}

function verifierFor(env: Env) {
  return {
    async verifyAccessToken(token: string): Promise<AuthInfo> {
      let agent: AgentContext;
      try {
        agent = await agentFromToken(env, token);
      } catch (err) {
        // Every refusal (bad token, suspended agent, not a team token) is `invalid_token` on the
        // wire, as RFC 6750 asks; the description keeps our code and reason.
        if (err instanceof ApiError) throw new OAuthError(OAuthErrorCode.InvalidToken, `${err.code}: ${err.message}`);
        throw err;
      }
      return { token, clientId: agent.caller.agentId, scopes: [MCP_SCOPE], expiresAt: agent.claims.exp, extra: { agent } };
    },
  };
}

function hostnameOf(url: string): string {
  return new URL(url).hostname;
}

/** Serves one MCP HTTP request (any method) for the API Worker. */
export async function serveMcp(request: Request, env: Env): Promise<Response> {
  const metadataUrl = resourceMetadataUrl(request.url);
  // Set once the caller is verified (below): the tools of its installed skills (skill-tools.ts).
  let skillTools: CallableTool[] = [];
  const platformHosts = apiPlatformHosts(request.url, env.ALLOWED_ORIGINS);
  const gate = requireBearerAuth({ verifier: verifierFor(env), requiredScopes: [MCP_SCOPE], resourceMetadataUrl: metadataUrl });
  // The wrapper answers CORS preflights and bad Host/Origin before auth: those carry no token.
  const handler = createMcpHandler(
    ({ authInfo }) => {
      const agent = authInfo?.extra?.agent as AgentContext | undefined;
      if (!agent) throw new Error("MCP factory called without a verified agent");
      const server = new McpServer(MCP_SERVER_INFO, {
        capabilities: { tools: {}, resources: {}, prompts: {}, logging: {} },
        instructions: MCP_INSTRUCTIONS,
      });
      registerTools(server, env, agent);
      registerSkillTools(server, env, agent, skillTools, platformHosts);
      registerResources(server, env, agent);
      registerPrompts(server, agent);
      return server;
    },
    {
      route: MCP_PATH,
      // Local endpoints get localhost defaults from the wrapper; a deployed API accepts its own hostname.
      allowedHostnames: isLocal(request.url) ? undefined : [hostnameOf(request.url)],
      corsOptions: { origin: "*", headers: "Content-Type, Accept, Authorization, MCP-Protocol-Version, Mcp-Method, Mcp-Name" },
    },
  );
  if (request.method === "OPTIONS") return handler.fetch(request);
  const auth = await gate(request);
  if (auth instanceof Response) return auth;
  const agent = auth.extra?.agent as AgentContext | undefined;
  // Skill tools are listed only to a trust level that may invoke them (TRUST_LEVELS.agentTools).
  if (agent && mayUseAgentTools(agent.caller.trust, "skills")) skillTools = await installedTools(createDb(env.DB), agent.caller.agentId);
  return handler.fetch(request, { authInfo: auth });
}

function isLocal(url: string): boolean {
  const host = hostnameOf(url);
  return host === "localhost" || host === "127.0.0.1" || host === "[::1]" || host === "::1";
}
