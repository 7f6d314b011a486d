/**
 * Tool input schemas for MCP, from the same zod schemas the HTTP API uses, with every JSON
 * Schema reference inlined. The shared schemas carry OpenAPI component ids (`.meta({ id })`);
 * zod turns those into a top-level `$ref` + `$defs`, which many model clients do not follow. This
 * wrapper keeps zod's validation and descriptions and emits a plain, inline
 * `{ type: "object", properties, required }` (our input schemas have no cycles).
 */
import { z } from "zod";

type Json = Record<string, unknown>;

function inline(node: unknown, defs: Json): unknown {
  if (Array.isArray(node)) return node.map((n) => inline(n, defs));
  if (!node || typeof node !== "object") return node;
  const { $ref, ...rest } = node as Json;
  const base = typeof $ref === "string" && $ref.startsWith("#/$defs/") ? (inline(defs[$ref.slice(8)], defs) as Json) : {};
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(rest)) if (k !== "$defs" && k !== "$schema" && k !== "id") out[k] = inline(v, defs);
  return out;
}

export function mcpInput<T extends z.ZodType>(schema: T): T {
  const standard = schema["~standard"];
  const convert = (io: "input" | "output") => (options: { target?: string }) => {
    const json = z.toJSONSchema(schema, {
      io,
      target: options.target === "draft-07" ? "draft-07" : "draft-2020-12",
      unrepresentable: "any",
    }) as Json;
    return inline(json, (json.$defs as Json | undefined) ?? {}) as Json;
  };
  const wrapped = {
    "~standard": {
      version: 1,
      vendor: standard.vendor,
      validate: standard.validate,
      jsonSchema: { input: convert("input"), output: convert("output") },
    },
  };
  // Typed as the zod schema so the tool's handler infers its arguments from it.
  return wrapped as unknown as T;
}
