/**
 * Secrets vault shapes (docs/secrets.md). Write-only: inputs carry a value, outputs never do —
 * not even a hash or a prefix (a low-entropy API key's hash would be a brute-force target).
 */
import { z } from "zod";
import { ENV_NAME, HostPatternSchema, HttpMethodSchema, PathPrefixSchema, SKILL_NAME } from "../skills/manifest";
import { IsoTimeSchema } from "./common";

/** Headers a credential may not be injected as: ours, the transport's, and request routing. */
const FORBIDDEN_HEADERS =
  /^(host|content-length|transfer-encoding|connection|keep-alive|upgrade|te|trailer|expect|forwarded|via|x-forwarded-.*|cf-.*|x-switchboard-.*|proxy-.*)$/i;

export const SecretValueSchema = z
  .string()
  .min(8, "A secret is at least 8 characters (shorter values could not be redacted from responses safely).")
  .max(8192);

export const SecretInjectionSchema = z
  .discriminatedUnion("type", [
    z
      .object({
        type: z.literal("header"),
        name: z
          .string()
          .regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, "A header name (RFC 9110 token).")
          .refine((n) => !FORBIDDEN_HEADERS.test(n), "This header cannot carry a credential.")
          .transform((n) => n.toLowerCase()),
        format: z.string().max(256).includes("{value}", { message: "The format must contain {value}." }).default("Bearer {value}"),
      })
      .strict(),
    z.object({ type: z.literal("query"), name: z.string().regex(/^[A-Za-z0-9_.~-]{1,128}$/, "A query parameter name.") }).strict(),
  ])
  .meta({
    id: "SecretInjection",
    description: "How the proxy injects it: a header (with a format such as `Bearer {value}`) or a query parameter.",
  });

export const SecretScopeSchema = z
  .union([
    z.object({ agents: z.array(z.string().min(1).max(64)).min(1).max(100) }).strict(),
    z.object({ skills: z.array(z.string().regex(SKILL_NAME)).min(1).max(50) }).strict(),
  ])
  .meta({
    id: "SecretScope",
    description:
      "Who may have it injected: listed agents, or listed skills (on agents that install them; each skill must declare the secret's name in its manifest `env`).",
  });

const ExactHostSchema = HostPatternSchema.refine((h) => !h.startsWith("*."), "A secret is bound to one exact host, not a wildcard.");

export const CreateSecretInputSchema = z
  .object({
    name: z.string().regex(ENV_NAME, "UPPER_SNAKE_CASE, like an environment variable (skills declare secrets by this name)."),
    value: SecretValueSchema,
    description: z.string().max(500).optional(),
    host: ExactHostSchema,
    pathPrefix: PathPrefixSchema.optional(),
    methods: z.array(HttpMethodSchema).min(1).max(7).optional(),
    injection: SecretInjectionSchema,
    scope: SecretScopeSchema,
    expiresAt: IsoTimeSchema.optional(),
  })
  .strict()
  .meta({ id: "CreateSecretInput" });

export const UpdateSecretInputSchema = z
  .object({
    description: z.string().max(500).optional(),
    scope: SecretScopeSchema.optional(),
    expiresAt: IsoTimeSchema.nullable().optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, "Change at least one field.")
  .meta({ id: "UpdateSecretInput" });

export const RotateSecretInputSchema = z
  .object({ value: SecretValueSchema, expiresAt: IsoTimeSchema.nullable().optional() })
  .strict()
  .meta({ id: "RotateSecretInput" });

export const SecretSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    host: z.string(),
    pathPrefix: z.string().nullable(),
    methods: z.array(z.string()).nullable(),
    injection: z.union([
      z.object({ type: z.literal("header"), name: z.string(), format: z.string() }),
      z.object({ type: z.literal("query"), name: z.string() }),
    ]),
    scope: z.union([z.object({ agents: z.array(z.string()) }), z.object({ skills: z.array(z.string()) })]),
    currentVersion: z.number().int(),
    versions: z.array(z.object({ version: z.number().int(), createdAt: IsoTimeSchema, createdBy: z.string().nullable() })),
    status: z.enum(["active", "expired"]),
    expiresAt: IsoTimeSchema.nullable(),
    createdAt: IsoTimeSchema,
    updatedAt: IsoTimeSchema,
  })
  .meta({ id: "Secret", description: "A secret's metadata. The value is never returned." });
export type Secret = z.infer<typeof SecretSchema>;
