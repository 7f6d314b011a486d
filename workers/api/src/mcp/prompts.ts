/**
 * MCP prompts: ready-made instructions a host can offer its model for the common coordination
 * loops. They only explain how to use the tools; they do nothing by themselves.
 */
import type { McpServer } from "@modelcontextprotocol/server";
import type { AgentContext } from "../services/agent-caller";

const text = (t: string) => ({ messages: [{ role: "user" as const, content: { type: "text" as const, text: t } }] });

export const PROMPT_NAMES = ["work_the_queue", "sprint_handoff"] as const;

export function registerPrompts(server: McpServer, agent: AgentContext): void {
  server.registerPrompt(
    "work_the_queue",
    { title: "Work the team's queue", description: "How to take, do and settle tasks from the team's work queue." },
    () =>
      text(
        [
          `You are agent ${agent.caller.agentId} (${agent.caller.role}) in team ${agent.team.teamId}.`,
          "1. Call read_handoffs: read what other agents left for you first.",
          "2. Call claim_task. If task is null, nothing is waiting: call heartbeat with your status and stop.",
          "3. Do the work. If it touches a shared resource, acquire_lock it first and pass the fencing token along with every write; release_lock when done.",
          "4. complete_task with a short, useful result (it is handed to the next agent), or fail_task with the error if you cannot finish. Do it before leaseExpiresAt.",
          "5. If someone else should continue, handoff to them: what you did, what is next, links.",
        ].join("\n"),
      ),
  );
  server.registerPrompt(
    "sprint_handoff",
    {
      title: "Do your step of a sprint hand-off",
      description: "PM → Engineering → Ops: how each role takes its step of the sprint-handoff workflow.",
    },
    () =>
      text(
        [
          `Your role is ${agent.caller.role}. In a sprint hand-off the PM plans, Engineering builds, Ops ships; each step is a task assigned to you.`,
          "Call read_handoffs to get the previous step's result (its context.result), then claim_task.",
          "Complete your task with a result the next role can act on: the plan (PM), what was built and its risks (Engineering), the release id (Ops).",
          "Completing it hands your result to the next role automatically; use handoff for anything extra.",
        ].join("\n"),
      ),
  );
}
