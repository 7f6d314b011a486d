/**
 * The SDK's SkillsClient inside workerd against the real API Worker and skill runtime (Dynamic
 * Workers, through `exports.default.fetch`): an agent lists the tools of its installed skills,
 * calls one, and every refusal is a typed SkillError carrying the API's code, status and details —
 * input against the schema, a skill not installed, a yanked version, a hard budget.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SkillError, SkillsClient } from "../../sdk/src/index";
import { egressAgent } from "./egress-harness";
import { BASE, call } from "./harness";

const workerFetch: typeof fetch = (input, init) => exports.default.fetch(new Request(input as RequestInfo, init));

const inputSchema = { type: "object", properties: { name: { type: "string" } }, required: ["name"], additionalProperties: false };
const outputSchema = { type: "object", properties: { greeting: { type: "string" } }, required: ["greeting"] };

function pkg(version: string) {
  return {
    manifest: {
      name: "greeter",
      version,
      title: "Greeter",
      description: "Greets.",
      network: [],
      env: [],
      files: [],
      handler: { entry: "index.js", runtime: "workers" },
      settings: [{ name: "PREFIX", value: "Hello" }],
    },
    modules: { "index.js": "export async function greet(input, ctx) { return { greeting: ctx.settings.PREFIX + ', ' + input.name }; }" },
    tools: [{ name: "greet", description: "Greets someone.", inputSchema, outputSchema }],
  };
}

async function owner(path: string, cookie: string, body: unknown, method = "POST") {
  const res = await call(path, { method, body, cookie });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

describe("SDK SkillsClient", () => {
  it("lists the installed tools, calls one, and maps every refusal to a SkillError", async () => {
    const agent = await egressAgent();
    const base = `/v1/tenants/${agent.tenantId}`;
    await owner(`${base}/skills`, agent.owner.cookie, pkg("1.0.0"));
    await owner(`${base}/agents/${agent.agentId}/skills/greeter`, agent.owner.cookie, {}, "PUT");
    const skills = new SkillsClient({ url: BASE, agentId: agent.agentId, secret: agent.secret, fetch: workerFetch });

    const tools = await skills.listTools();
    expect(tools.find((t) => t.skill === "greeter")).toEqual({
      skill: "greeter",
      version: "1.0.0",
      mode: "mock",
      name: "greet",
      description: "Greets someone.",
      inputSchema,
      outputSchema,
    });

    const result = await skills.callTool<{ greeting: string }>("greeter", "greet", { name: "Ada" }, { runId: "run-sdk-1" });
    expect(result.output.greeting).toBe("Hello, Ada");
    expect(result.invocation).toMatchObject({ skill: "greeter", version: "1.0.0", tool: "greet", mode: "mock", run: "run-sdk-1" });
    expect(result.invocation.id).toEqual(expect.any(String));

    const invalid = await skills.callTool("greeter", "greet", { nom: "Ada" }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(SkillError);
    expect(invalid).toMatchObject({ code: "validation_failed", status: 400, details: { location: "input" } });
    expect((invalid as SkillError).details?.issues).toEqual(expect.arrayContaining([expect.objectContaining({ code: "schema" })]));

    await expect(skills.callTool("greeter", "wave", {})).rejects.toMatchObject({ code: "skill_tool_not_found", status: 404 });
    await expect(skills.callTool("not-installed", "greet", {})).rejects.toMatchObject({ code: "not_found", status: 404 });

    // A hard budget on skill invocations (docs/billing.md): 402 budget_exceeded, with the limits.
    await owner(`${base}/budgets`, agent.owner.cookie, { agentId: agent.agentId, metric: "skill_invocations", hardLimit: 1 });
    const over = await skills.callTool("greeter", "greet", { name: "Ada" }).catch((e: unknown) => e);
    expect(over).toBeInstanceOf(SkillError);
    expect(over).toMatchObject({ code: "budget_exceeded", status: 402, details: { kind: "skill_invocations" } });

    // Yanked: the code never runs again, and the tool leaves the list.
    await owner(`${base}/skills/greeter/versions/1.0.0/yank`, agent.owner.cookie, { message: "bad greeting" });
    await expect(skills.callTool("greeter", "greet", { name: "Ada" })).rejects.toMatchObject({
      code: "skill_version_yanked",
      status: 409,
    });
    expect((await skills.listTools()).some((t) => t.skill === "greeter")).toBe(false);
  });
});
