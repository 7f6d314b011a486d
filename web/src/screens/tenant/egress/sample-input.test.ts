import { describe, expect, it } from "vitest";
import { sampleFor, sampleInputText } from "./sample-input";

describe("sampleFor (Try it's pre-filled input)", () => {
  it("fills the required properties from the schema's own values, else typed placeholders", () => {
    const schema = {
      type: "object",
      required: ["owner", "repo", "state", "limit", "url", "tags"],
      properties: {
        owner: { type: "string", examples: ["acme"] },
        repo: { type: "string", default: "app" },
        state: { enum: ["open", "closed"] },
        limit: { type: "integer", minimum: 5 },
        url: { type: "string", format: "uri" },
        tags: { type: "array", items: { type: "string" }, minItems: 1 },
        optional: { type: "boolean" },
      },
    };
    expect(sampleFor(schema)).toEqual({
      owner: "acme",
      repo: "app",
      state: "open",
      limit: 5,
      url: "https://example.com/",
      tags: ["example"],
    });
  });

  it("takes every property when none is required, and gives {} for a schema it cannot read", () => {
    expect(sampleFor({ type: "object", properties: { a: { type: "boolean" }, b: { type: "number" } } })).toEqual({ a: false, b: 1 });
    expect(sampleInputText(undefined)).toBe("{}");
    expect(sampleInputText({ type: "object" })).toBe("{}");
  });
});
