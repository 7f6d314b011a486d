/**
 * The dashboard's error map against the API's own form schemas (the ones the forms validate
 * with): each kind of mistake a person can make reads as a sentence, messages the schemas set
 * themselves are kept, and no issue code falls through to zod's developer English. The map is
 * used per parse here (`{ error }`); installing it globally is checked once at the end. The
 * browser test (test/browser/forms.test.ts) checks the same messages on the real forms.
 */
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { CreateAgentInputSchema } from "@shared/schemas/agents";
import { CreateAlertRuleInputSchema } from "@shared/schemas/alerts";
import { CreateApiKeyInputSchema } from "@shared/schemas/api-keys";
import { PASSWORD_MIN_LENGTH } from "@shared/auth/password-policy";
import { LoginInputSchema, SignupInputSchema } from "@shared/schemas/auth";
import { CreateTeamInputSchema } from "@shared/schemas/teams";
import { CreateTenantInputSchema } from "@shared/schemas/tenant";
import { humanMessage, installDashboardErrorMap } from "./error-map";

/** `path → message` of every issue, with the dashboard's map. */
function messages(schema: z.ZodType, input: unknown): Record<string, string> {
  const result = schema.safeParse(input, { error: humanMessage });
  if (result.success) return {};
  return Object.fromEntries(result.error.issues.map((i) => [i.path.join("."), i.message]));
}

/** What zod says on its own: none of it may reach a person. */
const ZOD_ENGLISH = /Too (small|big)|expected|Invalid (input|option|string|number|key|value)|Unrecognized|>=|<=/;

const RULE = { name: "Agent suspended", match: { action: "agent.suspended" }, threshold: 1, windowSeconds: 300 };

describe("the dashboard's error map on the API's form schemas", () => {
  it("says an empty required field is required", () => {
    expect(messages(CreateAgentInputSchema, { name: "", template: "pm" })).toEqual({ name: "This field is required." });
    expect(messages(CreateAgentInputSchema, { name: "   ", template: "pm" })).toEqual({ name: "This field is required." });
    expect(messages(CreateTeamInputSchema, { name: "" })).toEqual({ name: "This field is required." });
    expect(messages(LoginInputSchema, { email: "ada@example.test", password: "" })).toEqual({ password: "This field is required." });
    expect(messages(CreateTenantInputSchema, {})).toEqual({ name: "This field is required." });
  });

  it("gives limits in the field's own units", () => {
    expect(messages(CreateAgentInputSchema, { name: "x".repeat(81), template: "pm" })).toEqual({ name: "Use at most 80 characters." });
    expect(messages(CreateApiKeyInputSchema, { name: "CI", scopes: [] })).toEqual({ scopes: "Choose at least one." });
    expect(messages(CreateAgentInputSchema, { name: "A", template: "pm", teamIds: Array.from({ length: 21 }, (_, i) => `t${i}`) })).toEqual(
      { teamIds: "Choose at most 20." },
    );
  });

  it("says what number it wants (the alert rule's threshold: 0, 1.5, empty, too many)", () => {
    expect(messages(CreateAlertRuleInputSchema, { ...RULE, threshold: 0 })).toEqual({ threshold: "Enter 1 or more." });
    expect(messages(CreateAlertRuleInputSchema, { ...RULE, threshold: 1.5 })).toEqual({ threshold: "Enter a whole number." });
    // An emptied number input: the form's Number("") is 0, a cleared valueAsNumber is NaN.
    expect(messages(CreateAlertRuleInputSchema, { ...RULE, threshold: Number.NaN })).toEqual({ threshold: "Enter a number." });
    expect(messages(CreateAlertRuleInputSchema, { ...RULE, threshold: 1_000_000 })).toEqual({
      threshold: expect.stringMatching(/^Enter [\d,]+ or less\.$/),
    });
  });

  it("keeps the messages the schemas set themselves", () => {
    expect(messages(SignupInputSchema, { name: "Ada", email: "not-an-email", password: "short" })).toEqual({
      email: "Enter a valid email address.",
      password: `Use at least ${PASSWORD_MIN_LENGTH} characters.`,
    });
    expect(messages(CreateAlertRuleInputSchema, { ...RULE, match: { action: "Agent Suspended!" } })).toEqual({
      "match.action": "An action name like `agent.suspended`, or a prefix ending in `.*` like `relay.*`.",
    });
  });

  it("turns every zod issue code into a sentence, never zod's own wording", () => {
    const cases: Array<[z.ZodType, unknown]> = [
      [z.string(), undefined],
      [z.string(), 42],
      [z.number(), "7"],
      [z.array(z.string()), "a"],
      [z.boolean(), "yes"],
      [z.string().min(3), "ab"],
      [z.string().length(6), "12345"],
      [z.string().max(2), "abc"],
      [z.number().gt(0), 0],
      [z.number().lt(10), 10],
      [z.number().max(10), 11],
      [z.array(z.string()).min(2), ["a"]],
      [z.email(), "a@"],
      [z.url(), "not a url"],
      [z.string().regex(/^a+$/), "b"],
      [z.string().startsWith("sba_"), "x"],
      [z.iso.date(), "2026-13-45"],
      [z.enum(["owner", "admin"]), "god"],
      [z.literal("yes"), "no"],
      [z.number().multipleOf(5), 7],
      [z.object({ a: z.string() }).strict(), { a: "x", b: 1 }],
      [z.union([z.string(), z.number()]), true],
      [z.record(z.enum(["a"]), z.string()), { b: "x" }],
      [z.string().refine(() => false), "x"],
      [z.date().min(new Date(2030, 0, 1)), new Date(2020, 0, 1)],
    ];
    for (const [schema, input] of cases) {
      const result = schema.safeParse(input, { error: humanMessage });
      expect(result.success, `${JSON.stringify(input)} should fail`).toBe(false);
      for (const issue of result.error!.issues) {
        expect(issue.message, `${issue.code} for ${JSON.stringify(input)}`).not.toMatch(ZOD_ENGLISH);
        expect(issue.message).toMatch(/^[A-Z“].*[.]$/);
      }
    }
  });
});

describe("installed as zod's global error map", () => {
  afterAll(() => z.config({ customError: undefined }));

  it("applies to every parse, with no option passed", () => {
    expect(CreateTeamInputSchema.safeParse({ name: "" }).error!.issues[0]!.message).toMatch(ZOD_ENGLISH);
    installDashboardErrorMap();
    expect(CreateTeamInputSchema.safeParse({ name: "" }).error!.issues[0]!.message).toBe("This field is required.");
  });
});
