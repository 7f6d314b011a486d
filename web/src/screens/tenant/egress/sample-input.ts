/**
 * A sample input for "Try it", made from a tool's input JSON Schema: the required properties (all
 * of them when none is required) with the schema's own `const`, `default`, `examples[0]` or first
 * `enum` value, else a placeholder of the right type that respects `minimum`. A starting point
 * for a person to edit, not a generator of valid instances (patterns, `oneOf` and `$ref` are not
 * followed) — the API validates the input and says what is wrong.
 */
type Schema = Record<string, unknown>;

const isSchema = (v: unknown): v is Schema => typeof v === "object" && v !== null && !Array.isArray(v);

export function sampleFor(schema: unknown, depth = 0): unknown {
  if (!isSchema(schema) || depth > 4) return null;
  if ("const" in schema) return schema.const;
  if ("default" in schema) return schema.default;
  if (Array.isArray(schema.examples) && schema.examples.length) return schema.examples[0];
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "object": {
      const props = isSchema(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? schema.required.filter((k): k is string => typeof k === "string") : [];
      const keys = required.length ? required : Object.keys(props);
      return Object.fromEntries(keys.map((k) => [k, sampleFor(props[k], depth + 1)]));
    }
    case "array":
      return typeof schema.minItems === "number" && schema.minItems > 0 ? [sampleFor(schema.items, depth + 1)] : [];
    case "integer":
    case "number":
      return typeof schema.minimum === "number" ? schema.minimum : 1;
    case "boolean":
      return false;
    case "string":
      return schema.format === "uri" || schema.format === "url" ? "https://example.com/" : "example";
    default:
      return isSchema(schema.properties) ? sampleFor({ ...schema, type: "object" }, depth) : null;
  }
}

/** The sample as the textarea shows it. */
export function sampleInputText(schema: unknown): string {
  return JSON.stringify(sampleFor(schema) ?? {}, null, 2);
}
