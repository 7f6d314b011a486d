/**
 * The tools of the skills installed on the calling agent, among its MCP tools (docs/mcp.md,
 * docs/skills.md#code): one MCP tool per skill tool, named `<skill>__<tool>`, with the tool's own
 * JSON Schema as its input schema. A call goes to the same service as the HTTP route
 * (`invokeSkillTool`, via "mcp"): same isolate, same egress, same audit. Refusals are MCP tool
 * errors with the project's codes (results.ts).
 */
import type { McpServer } from "@modelcontextprotocol/server";
import type { z } from "zod";
import type { CallableTool } from "../skill-runtime/invoke";
import { invokeSkillTool } from "../skill-runtime/invoke";
import { createDb } from "../../../shared/db/client";
import type { AgentContext } from "../services/agent-caller";
import { runTool } from "./results";

/** `github` + `list_issues` → `github__list_issues` (MCP tool names allow letters, digits, `_`, `-`, `.`). */
export function skillToolName(tool: Pick<CallableTool, "skill" | "name">): string {
  return `${tool.skill}__${tool.name}`;
}

/**
 * A Standard Schema over a skill tool's JSON Schema: the SDK lists the JSON Schema as is; values
 * pass through unchanged, because the runtime validates the input against the same schema (one
 * validator, one set of error messages) before any code runs.
 */
function jsonSchemaInput(schema: Record<string, unknown>) {
  const json = () => schema;
  const standard = {
    "~standard": {
      version: 1,
      vendor: "switchboard-skill",
      validate: (value: unknown) => ({ value }),
      jsonSchema: { input: json, output: json },
    },
  };
  // Typed as a zod object schema (like input-schema.ts's mcpInput) so registerTool accepts it.
  return standard as unknown as z.ZodType<Record<string, unknown>>;
}

export function registerSkillTools(server: McpServer, env: Env, agent: AgentContext, tools: CallableTool[], platformHosts: string[]): void {
  for (const tool of tools) {
    server.registerTool(
      skillToolName(tool),
      {
        title: `${tool.skill}: ${tool.name}`,
        description: `${tool.description} (Skill ${tool.skill}@${tool.version}, ${tool.mode} mode: runs sandboxed; its network is the skill's declared hosts through the egress proxy.)`,
        inputSchema: jsonSchemaInput(tool.inputSchema),
        annotations: { openWorldHint: true },
      },
      (args) =>
        runTool(async () => {
          const pending: Promise<unknown>[] = [];
          try {
            const result = await invokeSkillTool(env, createDb(env.DB), (p) => pending.push(p), {
              tenantId: agent.claims.tid,
              agentId: agent.caller.agentId,
              skill: tool.skill,
              tool: tool.name,
              input: args ?? {},
              runId: null,
              via: "mcp",
              platformHosts,
            });
            return { output: result.output as unknown, invocation: result.invocation } as Record<string, unknown>;
          } finally {
            // Background work (a metering retry) finishes before the answer, also when the call failed.
            await Promise.allSettled(pending);
          }
        }),
    );
  }
}
