/**
 * Tool definitions: what a skill version offers callers (HTTP, SDK, MCP). A tool is a named export
 * of the skill's entry module — `export async function list_issues(input, ctx)` — described by
 * JSON Schemas of its input and output. Inputs are validated before the code runs and outputs
 * after (@cfworker/json-schema: no code generation, so it runs in Workers).
 */
import { Validator, type Schema } from "@cfworker/json-schema";
import { z } from "zod";
import { SKILL_CODE_LIMITS } from "./limits";

export const TOOL_NAME = /^[a-z][a-z0-9_]{0,63}$/;

const JsonSchemaObject = z.record(z.string(), z.unknown()).meta({ description: "A JSON Schema (draft 2020-12)." });

export const ToolDefinitionSchema = z
  .object({
    name: z
      .string()
      .regex(
        TOOL_NAME,
        "A tool name is lowercase letters, digits and underscores (1–64), starting with a letter; it is the entry module's export.",
      ),
    description: z.string().min(1).max(2000),
    inputSchema: JsonSchemaObject,
    outputSchema: JsonSchemaObject,
  })
  .strict()
  .meta({ id: "SkillToolDefinition" });
export type ToolDefinition = z.infer<typeof ToolDefinitionSchema>;

export const ToolListSchema = z
  .array(ToolDefinitionSchema)
  .min(1)
  .max(SKILL_CODE_LIMITS.maxTools)
  .superRefine((tools, ctx) => {
    const seen = new Set<string>();
    tools.forEach((t, i) => {
      if (seen.has(t.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `Tool ${t.name} is defined twice.` });
      seen.add(t.name);
      if (JSON.stringify(t).length > SKILL_CODE_LIMITS.maxToolBytes)
        ctx.addIssue({
          code: "custom",
          path: [i],
          message: `A tool definition is at most ${SKILL_CODE_LIMITS.maxToolBytes} bytes of JSON.`,
        });
      for (const key of ["inputSchema", "outputSchema"] as const) {
        const problem = schemaProblem(t[key]);
        if (problem) ctx.addIssue({ code: "custom", path: [i, key], message: problem });
      }
    });
  });

/** Why a JSON Schema cannot be used (null if it can): the validator must accept it, and the root must describe an object for inputs. */
function schemaProblem(schema: Record<string, unknown>): string | null {
  try {
    new Validator(schema as Schema, "2020-12", false);
    return null;
  } catch (err) {
    return `Not a usable JSON Schema: ${String((err as Error).message ?? err)}`;
  }
}

export interface SchemaIssue {
  path: string;
  message: string;
}

/** Validates a value against a tool's schema; the issues name JSON pointers into the value. */
export function validateAgainst(schema: Record<string, unknown>, value: unknown): SchemaIssue[] {
  const result = new Validator(schema as Schema, "2020-12", false).validate(value);
  if (result.valid) return [];
  // The validator reports the failing leaf and every enclosing keyword; the leaves say the most.
  return result.errors
    .filter((e) => e.keyword !== "properties" && e.keyword !== "items" && e.keyword !== "allOf")
    .slice(0, 20)
    .map((e) => ({ path: e.instanceLocation.replace(/^#/, "") || "/", message: e.error }));
}
