/** Skills shapes: catalog entries, versions, installs, dry-run reports (docs/skills.md). zod only. */
import { z } from "zod";
import { EgressModeSchema, EgressReasonSchema } from "./egress";
import { IsoTimeSchema } from "./common";
import { ToolDefinitionSchema } from "../skills/code/tools";

export const SkillVersionStatusSchema = z.enum(["published", "deprecated", "yanked"]).meta({ id: "SkillVersionStatus" });

export const SkillVersionSchema = z
  .object({
    version: z.string(),
    status: SkillVersionStatusSchema,
    statusMessage: z.string().nullable(),
    manifest: z.record(z.string(), z.unknown()).meta({ description: "The manifest as published (SkillManifest)." }),
    publishedBy: z.string().nullable(),
    publishedAt: IsoTimeSchema,
    code: z
      .object({
        contentHash: z
          .string()
          .meta({ description: "SHA-256 of the canonical JSON of manifest, modules and tools: names the code and keys its isolates." }),
        bytes: z.number().int(),
        tools: z.array(ToolDefinitionSchema),
      })
      .nullable()
      .meta({ description: "The version's code (docs/skills.md#code), or null for a manifest-only version." }),
  })
  .meta({ id: "SkillVersion" });

export const SkillSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    title: z.string(),
    description: z.string(),
    publisher: z.enum(["switchboard", "tenant"]),
    latestVersion: z
      .string()
      .nullable()
      .meta({ description: "Highest installable version (published or deprecated, not yanked; pre-releases only if nothing else)." }),
    versions: z.array(SkillVersionSchema),
  })
  .meta({ id: "Skill" });

export const InstallSkillInputSchema = z
  .object({
    version: z.string().max(64).optional().meta({ description: "Default: the latest installable version." }),
    mode: EgressModeSchema.optional().meta({
      description: "Default `mock`: the skill's calls are answered by its declared mocks until an admin sets `live`.",
    }),
  })
  .strict()
  .meta({ id: "InstallSkillInput" });

export const InstalledSkillSchema = z
  .object({
    name: z.string(),
    version: z.string(),
    mode: EgressModeSchema,
    status: SkillVersionStatusSchema,
    installedAt: IsoTimeSchema,
    installedBy: z.string().nullable(),
    manifest: z.record(z.string(), z.unknown()),
  })
  .meta({ id: "InstalledSkill" });

export const StatusChangeInputSchema = z
  .object({ message: z.string().min(1).max(500) })
  .strict()
  .meta({ id: "SkillStatusChangeInput" });

export const DryRunInputSchema = z
  .object({
    manifest: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: "A manifest not yet published (validated like a publish)." }),
    skill: z.string().max(40).optional().meta({ description: "Or a skill of the catalog…" }),
    version: z.string().max(64).optional().meta({ description: "…at this version (default: latest)." }),
    agentId: z
      .string()
      .max(64)
      .optional()
      .meta({ description: "Judge as if installed on this agent (its trust level); default: the tenant's default trust level." }),
    calls: z
      .array(
        z
          .object({
            method: z
              .string()
              .regex(/^[A-Za-z]{1,16}$/)
              .default("GET"),
            url: z.string().min(1).max(4096),
          })
          .strict(),
      )
      .max(500)
      .optional()
      .meta({
        description:
          "The calls to judge (a recorded session); default: one probe per declared network permission and method, plus each declared mock.",
      }),
    tool: z.string().max(64).optional().meta({
      description:
        "A skill with code: run this tool for real, in mock mode — its code runs in a fresh isolate whose network answers from `responses` and the declared mocks and lets nothing leave; the report's `run` lists every call the code made.",
    }),
    input: z.unknown().optional().meta({ description: "The tool's input (validated against its input schema)." }),
    responses: z
      .array(
        z
          .object({
            method: z
              .string()
              .regex(/^[A-Za-z]{1,16}$/)
              .optional(),
            url: z.url().max(2048),
            status: z.number().int().min(100).max(599).default(200),
            headers: z.record(z.string().max(128), z.string().max(2048)).optional(),
            body: z.unknown().optional(),
          })
          .strict(),
      )
      .max(100)
      .optional()
      .meta({ description: "Recorded responses for the run, tried before the declared mocks (first URL-prefix match)." }),
  })
  .strict()
  .refine((v) => (v.manifest === undefined) !== (v.skill === undefined), "Give either `manifest` or `skill`.")
  .meta({ id: "SkillDryRunInput" });

export const DryRunReportSchema = z
  .object({
    skill: z.string(),
    version: z.string(),
    trustLevel: z.number().int(),
    calls: z.array(
      z.object({
        method: z.string(),
        url: z.string(),
        decision: z.enum(["allow", "deny"]),
        reason: EgressReasonSchema,
        message: z.string(),
        detail: z.string().nullable(),
        source: z.enum(["declared", "mock", "given"]),
      }),
    ),
    env: z
      .array(
        z.object({
          name: z.string(),
          required: z.boolean(),
          secret: z.object({ id: z.string(), status: z.enum(["active", "expired"]) }).nullable(),
        }),
      )
      .meta({ description: "Each declared env name and the secret scoped to this skill that provides it, if any." }),
    summary: z.object({ allowed: z.number().int(), denied: z.number().int(), missingSecrets: z.array(z.string()) }),
    run: z
      .object({
        tool: z.string(),
        ok: z.boolean(),
        output: z.unknown().nullable(),
        error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }).nullable(),
        durationMs: z.number().int(),
        calls: z.array(
          z.object({
            method: z.string(),
            url: z.string(),
            decision: z.enum(["allow", "deny"]),
            reason: z.string(),
            message: z.string(),
            detail: z.string().nullable(),
            status: z.number().int().nullable().meta({ description: "The status the code got (mock answers only; null when refused)." }),
            answeredBy: z.enum(["given", "declared"]).nullable(),
          }),
        ),
      })
      .nullable()
      .meta({
        description:
          "With `tool`: the real run in mock mode — the output (or error) and every call the code made, allowed or denied with the reason.",
      }),
  })
  .meta({ id: "SkillDryRunReport" });

/** A version's code as published, read-only (`GET …/skills/{skillName}/versions/{version}/source`). */
export const SkillSourceSchema = z
  .object({
    contentHash: z.string(),
    entry: z.string(),
    modules: z.record(z.string(), z.string()),
    tools: z.array(ToolDefinitionSchema),
  })
  .meta({ id: "SkillSource" });

/** One recent invocation, from its `skill.invoked` audit event (`GET …/skills/{skillName}/invocations`). */
export const SkillRecentInvocationSchema = z
  .object({
    id: z.string(),
    at: z.string(),
    agentId: z.string().nullable(),
    version: z.string(),
    tool: z.string(),
    outcome: z.enum(["success", "failure", "denied"]),
    error: z.string().nullable(),
    durationMs: z.number().nullable(),
    run: z.string().nullable(),
    via: z.string().nullable(),
  })
  .meta({ id: "SkillRecentInvocation" });
