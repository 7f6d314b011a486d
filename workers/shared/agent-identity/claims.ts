/**
 * What an agent token says, and the constants every issuer and verifier must agree on. The
 * contract is written out in docs/agent-identity.md; change both together.
 */
import { z } from "zod";
import { AgentTemplateSchema } from "../agent-templates";
import { TrustLevelSchema } from "../trust-levels";

export const AGENT_TOKEN_ISSUER = "switchboard";
/** The agent plane (the team relay, and `/v1/agent/*` diagnostics). */
export const RELAY_AUDIENCE = "switchboard:relay";
/** The egress proxy (workers/egress): a token for the relay is refused there and vice versa. */
export const EGRESS_AUDIENCE = "switchboard:egress";
/** What `POST /v1/agent-tokens` may be asked for (`audience`), and the `aud` each gets. */
export const TOKEN_AUDIENCES = { relay: RELAY_AUDIENCE, egress: EGRESS_AUDIENCE } as const;
/** Explicit type, so a session JWT or any other JWT signed elsewhere can never pass as an agent token. */
export const AGENT_TOKEN_TYPE = "agent+jwt";
/** The one algorithm we sign and accept (Ed25519, RFC 8037). */
export const AGENT_TOKEN_ALG = "EdDSA";
export { AGENT_TOKEN_TTL_SECONDS } from "@switchboard/protocol/agent-token";
export const CLOCK_SKEW_SECONDS = 30;

export const AgentTokenClaimsSchema = z.object({
  iss: z.literal(AGENT_TOKEN_ISSUER),
  aud: z.string(),
  /** The agent id. */
  sub: z.string().startsWith("agt_").max(64),
  /** The agent's tenant id. */
  tid: z.string().startsWith("ten_").max(64),
  /** The team the token was requested for; absent for a tenant-wide token. */
  team: z.string().startsWith("team_").max(64).optional(),
  /** The agent's template (its role in a team). */
  role: AgentTemplateSchema,
  trust: TrustLevelSchema,
  jti: z.string().min(16).max(64),
  iat: z.number().int(),
  nbf: z.number().int(),
  exp: z.number().int(),
});
export type AgentTokenClaims = z.infer<typeof AgentTokenClaimsSchema>;
