import { z } from "zod";
import { IsoTimeSchema } from "./common";

export * from "@switchboard/protocol/agent-token";

export const PublicJwkSchema = z
  .object({
    kty: z.string(),
    crv: z.string().optional(),
    x: z.string().optional(),
    y: z.string().optional(),
    kid: z.string(),
    alg: z.string(),
    use: z.literal("sig"),
  })
  .meta({ id: "PublicJwk" });

export const JwksSchema = z.object({ keys: z.array(PublicJwkSchema) }).meta({ id: "Jwks" });

export const AgentMeSchema = z
  .object({
    agentId: z.string(),
    tenantId: z.string(),
    teamId: z.string().nullable(),
    expiresAt: IsoTimeSchema,
  })
  .meta({ id: "AgentMe" });
