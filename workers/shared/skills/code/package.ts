/**
 * A custom skill version with code, as published: `{ manifest, modules, tools }` — the manifest
 * (whose `handler.entry` names the entry module), ES module sources by relative name, and the tool
 * definitions. The content hash covers all three (canonical JSON, SHA-256): it names the version's
 * code in R2 and keys its isolates, so equal content is one isolate and any change is a new one.
 */
import canonicalize from "canonicalize";
import { z } from "zod";
import { sha256Hex } from "../../crypto/sha256";
import type { SkillManifest } from "../manifest";
import { SKILL_CODE_LIMITS } from "./limits";
import { ToolListSchema, type ToolDefinition } from "./tools";

export const SkillModulesSchema = z
  .record(z.string().min(1).max(200), z.string().max(SKILL_CODE_LIMITS.maxModuleBytes))
  .refine(
    (m) => Object.keys(m).length >= 1 && Object.keys(m).length <= SKILL_CODE_LIMITS.maxModules,
    `Between 1 and ${SKILL_CODE_LIMITS.maxModules} modules.`,
  )
  .meta({
    description: "ES module sources by relative name (`index.js`, `lib/github.js`).",
    example: { "index.js": "export async function hello(input) { return { greeting: `hi ${input.name}` }; }" },
  });

export const SkillPackageInputSchema = z
  .object({
    manifest: z.record(z.string(), z.unknown()).meta({ description: 'A SkillManifest with `handler: { entry, runtime: "workers" }`.' }),
    modules: SkillModulesSchema,
    tools: ToolListSchema,
  })
  .strict()
  .meta({ id: "SkillPackageInput" });

/** What R2 holds for a version (JSON): the source exactly as published. */
export interface StoredSkillCode {
  format: 1;
  name: string;
  version: string;
  entry: string;
  modules: Record<string, string>;
  tools: ToolDefinition[];
}

export function codeBytes(modules: Record<string, string>): number {
  const enc = new TextEncoder();
  return Object.values(modules).reduce((n, src) => n + enc.encode(src).byteLength, 0);
}

export async function contentHash(manifest: SkillManifest, modules: Record<string, string>, tools: ToolDefinition[]): Promise<string> {
  return sha256Hex(canonicalize({ manifest, modules, tools })!);
}

export function codeKeyFor(tenantId: string, hash: string): string {
  return `skills/${tenantId}/${hash}.json`;
}
