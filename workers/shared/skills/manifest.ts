/**
 * The skill manifest: what a skill declares it needs, shown to an admin at install and enforced at
 * run time — `network` by the egress proxy (the only hosts the skill's calls may reach), `env` by
 * the vault (the only secrets the skill can be given, by name), `files` by the skill runtime
 * (issue 19). The shape `{ network, env, files }` is the product's; `mocks` are the declared
 * responses the proxy answers with in mock mode; `handler` names the code a custom skill ships.
 * Published as JSON Schema at `GET /v1/skills/manifest.schema.json` (z.toJSONSchema).
 */
import { z } from "zod";
import { parseHostPattern } from "../egress/host-pattern";

export const SKILL_NAME = /^[a-z][a-z0-9-]{1,39}$/;
/** Semantic Versioning 2.0.0, without build metadata (it does not order and we do not store it). */
export const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?$/;
export const ENV_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;
const METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"] as const;

export const HostPatternSchema = z
  .string()
  .min(1)
  .max(253)
  .transform((value, ctx) => {
    const parsed = parseHostPattern(value);
    if (!parsed.ok) {
      ctx.addIssue({ code: "custom", message: parsed.message });
      return z.NEVER;
    }
    return parsed.canonical;
  })
  .meta({ description: "`api.example.com`, `*.example.com` (label boundary) or a public IP address.", example: "api.github.com" });

export const HttpMethodSchema = z.enum(METHODS);
export const PathPrefixSchema = z
  .string()
  .min(1)
  .max(512)
  .regex(/^\/[^\s?#]*$/, "A path prefix starts with / and has no query or fragment.")
  .meta({ description: "Only paths under this prefix (segment boundary: `/repos` matches `/repos/x`, not `/repository`)." });

export const NetworkPermissionSchema = z
  .object({
    host: HostPatternSchema,
    methods: z.array(HttpMethodSchema).min(1).max(7).optional(),
    pathPrefix: PathPrefixSchema.optional(),
    schemes: z
      .array(z.enum(["https", "http"]))
      .min(1)
      .max(2)
      .optional()
      .meta({ description: 'Default `["https"]`.' }),
  })
  .strict()
  .meta({ id: "NetworkPermission" });

export const EnvRequirementSchema = z
  .object({
    name: z.string().regex(ENV_NAME, "An env name is UPPER_SNAKE_CASE."),
    description: z.string().max(500).optional(),
    required: z.boolean().optional(),
  })
  .strict();

export const FileRequirementSchema = z
  .object({
    path: z
      .string()
      .min(1)
      .max(256)
      .regex(/^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[\w.\-/]+$/, "A relative path without `..`."),
    access: z.enum(["read", "write"]),
  })
  .strict();

export const MockResponseSchema = z
  .object({
    method: HttpMethodSchema.optional(),
    url: z.url().max(2048).meta({ description: "Matches calls whose URL starts with this." }),
    status: z.number().int().min(100).max(599).default(200),
    headers: z.record(z.string().max(128), z.string().max(2048)).optional(),
    body: z.union([z.string().max(65_536), z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
  })
  .strict();

export const SettingSchema = z
  .object({
    name: z.string().regex(ENV_NAME, "A setting name is UPPER_SNAKE_CASE."),
    value: z.union([z.string().max(4096), z.number(), z.boolean()]),
    description: z.string().max(500).optional(),
  })
  .strict()
  .meta({ id: "SkillSetting" });

export const SkillManifestSchema = z
  .object({
    name: z.string().regex(SKILL_NAME, "A skill name is lowercase letters, digits and dashes (2–40), starting with a letter."),
    version: z.string().regex(SEMVER, "A semantic version: MAJOR.MINOR.PATCH[-prerelease]."),
    title: z.string().min(1).max(80),
    description: z.string().max(2000).default(""),
    network: z.array(NetworkPermissionSchema).max(50).default([]),
    env: z.array(EnvRequirementSchema).max(50).default([]),
    files: z.array(FileRequirementSchema).max(50).default([]),
    handler: z
      .object({ entry: z.string().min(1).max(256), runtime: z.literal("workers") })
      .strict()
      .optional()
      .meta({ description: "The module a custom skill's code starts from (run by the skill runtime, issue 19)." }),
    mocks: z.array(MockResponseSchema).max(100).default([]),
    settings: z
      .array(SettingSchema)
      .max(50)
      .default([])
      .refine((list) => new Set(list.map((s) => s.name)).size === list.length, "Setting names are unique.")
      .meta({
        description:
          "Non-secret settings a custom skill's code receives as its `env` (and nothing else: secrets never reach the code, the egress proxy injects them).",
      }),
  })
  .strict()
  .meta({ id: "SkillManifest" });
export type SkillManifest = z.infer<typeof SkillManifestSchema>;
export type SkillManifestInput = z.input<typeof SkillManifestSchema>;

/** Semver precedence (SemVer 2.0.0 §11); hand-written (20 lines) because only compare is needed. */
export function compareSemver(a: string, b: string): number {
  const pa = SEMVER.exec(a);
  const pb = SEMVER.exec(b);
  if (!pa || !pb) throw new Error(`not a semantic version: ${!pa ? a : b}`);
  for (let i = 1; i <= 3; i++) {
    const d = Number(pa[i]) - Number(pb[i]);
    if (d !== 0) return Math.sign(d);
  }
  const ra = pa[4]?.split(".");
  const rb = pb[4]?.split(".");
  if (!ra || !rb) return ra ? -1 : rb ? 1 : 0;
  for (let i = 0; i < Math.max(ra.length, rb.length); i++) {
    const x = ra[i];
    const y = rb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny && Number(x) !== Number(y)) return Math.sign(Number(x) - Number(y));
    if (nx !== ny) return nx ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
