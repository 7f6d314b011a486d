/**
 * The OpenAPI document is valid OpenAPI 3.1 (checked against the official JSON schema; ajv cannot
 * run inside workerd, so this runs in Node against the same app) and documents every operation's
 * access rule and error shape.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { createApp } from "../../workers/api/src/app";

async function document() {
  // No bindings needed: the document is built from the route table, not from storage.
  const res = await createApp().request("/openapi.json", {}, {});
  expect(res.status).toBe(200);
  return (await res.json()) as any;
}

describe("OpenAPI document", () => {
  it("is valid OpenAPI 3.1", async () => {
    const doc = await document();
    expect(doc.openapi).toBe("3.1.0");
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    // the validator is not a rubber stamp: the same document without `info` is refused
    const { info: _info, ...broken } = doc;
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it("declares an access rule, a summary and the error schema on every operation", async () => {
    const doc = await document();
    const operations = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
    expect(operations.length).toBeGreaterThan(30);
    for (const { path, method, op } of operations) {
      expect(op["x-access"], `${method} ${path}`).toBeTruthy();
      expect(op.summary, `${method} ${path}`).toBeTruthy();
      expect(op.responses["400"]?.content?.["application/json"]?.schema?.$ref, `${method} ${path}`).toBe("#/components/schemas/Error");
    }
    expect(doc.components.schemas.ErrorCode.enum).toContain("plan_limit_exceeded");
  });
});
