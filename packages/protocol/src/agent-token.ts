/**
 * The agent token exchange (`POST /v1/agent-tokens`) as the API and the SDK both see it. zod only:
 * this package is browser-safe. Contract: docs/agent-identity.md.
 */
import { z } from "zod";

/** An agent token's lifetime: the API signs for this long, the SDK renews before it runs out. */
export const AGENT_TOKEN_TTL_SECONDS = 15 * 60;

export const AgentTokenRequestSchema = z
  .object({
    agentId: z.string().min(1).max(64).meta({ description: "The agent's id (`agt_…`)." }),
    secret: z.string().min(1).max(256).meta({ description: "The agent secret (`sba_…`), as shown at creation or rotation." }),
    teamId: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .meta({ description: "Ask for a token for this team; the agent must be a member. The token then carries `team`." }),
    audience: z.enum(["relay", "egress"]).optional().meta({
      description:
        "What the token is for: `relay` (default; aud `switchboard:relay`) or `egress` (aud `switchboard:egress`, for the egress proxy). Each is refused by the other.",
    }),
  })
  .strict()
  .refine((r) => !(r.audience === "egress" && r.teamId !== undefined), {
    message: "An egress token is not for a team: leave out teamId.",
    path: ["teamId"],
  })
  .meta({ id: "AgentTokenRequest" });
export type AgentTokenRequest = z.infer<typeof AgentTokenRequestSchema>;

/** Field names follow OAuth 2.0 (RFC 6749 §5.1) so generic clients can read the answer. */
export const AgentTokenResponseSchema = z
  .object({
    access_token: z.string().meta({ description: "The agent token (a JWT, `typ: agent+jwt`). Send as `Authorization: Bearer <token>`." }),
    token_type: z.literal("Bearer"),
    expires_in: z
      .number()
      .int()
      .meta({ description: `Seconds until it expires (${AGENT_TOKEN_TTL_SECONDS}).` }),
    kid: z.string().meta({ description: "The signing key's id, published at /.well-known/jwks.json." }),
  })
  .meta({ id: "AgentTokenResponse" });
