/**
 * The egress proxy's JSON envelope (`POST /v1/fetch` on the egress Worker) and the egress mode, as
 * the egress Worker and the SDK both see them. zod only. Contract: docs/egress.md.
 */
import { z } from "zod";

export const EgressModeSchema = z
  .enum(["mock", "live"])
  .meta({ id: "EgressMode", description: "`mock`: nothing leaves, declared responses answer; `live`: real calls." });

/** `POST /v1/fetch` on the egress Worker. */
export const EgressEnvelopeRequestSchema = z
  .object({
    url: z.string().min(1).max(4096),
    method: z
      .string()
      .regex(/^[A-Za-z]{1,16}$/)
      .default("GET"),
    headers: z.record(z.string().max(256), z.string().max(8192)).optional(),
    body: z.string().optional(),
    bodyEncoding: z.enum(["utf8", "base64"]).default("utf8"),
  })
  .strict()
  .meta({ id: "EgressEnvelopeRequest" });

export const EgressEnvelopeResponseSchema = z
  .object({
    status: z.number().int(),
    headers: z.record(z.string(), z.string()),
    body: z.string(),
    bodyEncoding: z.enum(["utf8", "base64"]),
    url: z.string().meta({ description: "The URL that answered (after redirects)." }),
    redirects: z.array(z.string()),
    callId: z.string(),
    mode: EgressModeSchema,
  })
  .meta({ id: "EgressEnvelopeResponse" });
export type EgressEnvelopeResponse = z.infer<typeof EgressEnvelopeResponseSchema>;
