/**
 * The MCP tools, one per coordination operation an agent needs, each with a description a model
 * can act on. They call the same TeamCoordinator RPCs with the same caller as the HTTP agent API
 * (routes/agent-coordination.ts), so limits, allowlist decisions and audit events are identical.
 * Relay messaging goes through the RelayMessaging interface (services/relay-messaging.ts).
 */
import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { GuardrailCheckInputSchema, guardrailEngine } from "../../../shared/coordination/guardrails";
import {
  AcquireLockInputSchema,
  ClaimTaskInputSchema,
  CompleteTaskInputSchema,
  CreateHandoffInputSchema,
  CreateTaskInputSchema,
  FailTaskInputSchema,
  HeartbeatInputSchema,
  LockHandleInputSchema,
  ReadHandoffsInputSchema,
  RecallInputSchema,
  RememberInputSchema,
  RenewLockInputSchema,
} from "../../../shared/coordination/schemas";
import { listEntries } from "../services/audit-query";
import type { AgentContext } from "../services/agent-caller";
import { coordinatorOf } from "../services/coordination";
import { relayMessaging } from "../services/relay-messaging";
import { chargeRunCall, invokeAgent, withReputation } from "../services/runs";
import { InvokeAgentInputSchema } from "../../../shared/runs/schemas";
import { mcpInput } from "./input-schema";
import { runTool, value } from "./results";
import { profileOf } from "./profile";

const Empty = z.object({}).strict();
const JsonBody = z.unknown().meta({ description: "Any JSON value (≤ 64 KiB)." });
const RunIdArg = z
  .string()
  .startsWith("run_")
  .max(64)
  .optional()
  .describe("The run you are working on (its request's `body.run.id`), when you send this for it: counted against the run's budget.");

export const TOOL_NAMES = [
  "send_message",
  "request",
  "reply",
  "read_inbox",
  "ack",
  "acquire_lock",
  "renew_lock",
  "release_lock",
  "create_task",
  "claim_task",
  "complete_task",
  "fail_task",
  "handoff",
  "read_handoffs",
  "remember",
  "recall",
  "heartbeat",
  "list_agents",
  "check_guardrails",
  "get_my_profile",
  "query_audit",
  "invoke_agent",
] as const;

export function registerTools(server: McpServer, env: Env, agent: AgentContext): void {
  const { team, caller } = agent;
  const coordinator = () => coordinatorOf(env, team.teamId);
  const relay = relayMessaging(env);
  /** A message sent for a run (`runId`) counts against its budget (docs/runs.md); refused when spent. */
  const chargeMessage = async (runId: string | undefined) => {
    if (runId) await chargeRunCall(env, { runId, tenantId: team.tenantId, agentId: caller.agentId, kind: "message" });
  };

  // ---- messaging (the team relay)
  server.registerTool(
    "send_message",
    {
      description:
        "Send a direct message to another agent of your team over the relay. The team's allowlist must let you send to it. Durable once answered; `clientId` makes retries idempotent.",
      inputSchema: mcpInput(
        z
          .object({
            to: z.string().startsWith("agt_").max(64).describe("The recipient agent id (see list_agents)."),
            body: JsonBody,
            clientId: z.string().min(1).max(128).optional().describe("Idempotency key; default: a new UUID."),
            ttlSeconds: z.number().int().min(1).max(604_800).optional(),
            runId: RunIdArg,
          })
          .strict(),
      ),
      annotations: { destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    ({ runId, ...args }) =>
      runTool(async () => {
        await chargeMessage(runId);
        return value(await relay.send(team, caller, { ...args, clientId: args.clientId ?? crypto.randomUUID() }));
      }),
  );
  server.registerTool(
    "request",
    {
      description: "Ask another agent something and wait for its reply (up to `timeoutMs`). Needs an allowlist edge to it.",
      inputSchema: mcpInput(
        z
          .object({
            to: z.string().startsWith("agt_").max(64),
            body: JsonBody,
            timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
            runId: RunIdArg,
          })
          .strict(),
      ),
      annotations: { openWorldHint: false },
    },
    ({ runId, ...args }) =>
      runTool(async () => {
        await chargeMessage(runId);
        return value(await relay.request(team, caller, { ...args, clientId: crypto.randomUUID() }));
      }),
  );
  server.registerTool(
    "reply",
    {
      description:
        "Answer a request another agent sent you (seen in read_inbox with kind `request`). `inReplyTo` is that message's `id` (`req-<seq>`); one reply per request, before its timeout.",
      inputSchema: mcpInput(
        z
          .object({
            inReplyTo: z.string().min(1).max(128).describe("The request's `id` from read_inbox (`req-<seq>`)."),
            body: JsonBody,
            clientId: z.string().min(1).max(128).optional().describe("Idempotency key; default: a new UUID."),
          })
          .strict(),
      ),
      annotations: { destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args) => runTool(async () => value(await relay.reply(team, caller, { ...args, clientId: args.clientId ?? crypto.randomUUID() }))),
  );
  server.registerTool(
    "read_inbox",
    {
      description: "Messages sent to you that you have not acknowledged yet, oldest first. Call ack with the last seq you processed.",
      inputSchema: mcpInput(z.object({ limit: z.number().int().min(1).max(100).default(20) }).strict()),
      annotations: { readOnlyHint: true },
    },
    (args) => runTool(async () => value(await relay.readInbox(team, caller, args))),
  );
  server.registerTool(
    "ack",
    {
      description: "Acknowledge every inbox message up to and including `seq`; they will not be delivered again.",
      inputSchema: mcpInput(z.object({ seq: z.number().int().min(1) }).strict()),
      annotations: { idempotentHint: true },
    },
    (args) => runTool(async () => value(await relay.ack(team, caller, args))),
  );

  // ---- locks
  server.registerTool(
    "acquire_lock",
    {
      description:
        "Take an exclusive lock on a named resource (e.g. `repo:main`) for `ttlMs`. Returns a fencing token: pass it along with every write to the resource so stale holders can be refused. Fails with lock_held unless `waitMs` lets you wait for it.",
      inputSchema: mcpInput(AcquireLockInputSchema),
    },
    (args) => runTool(async () => ({ lock: value(await coordinator().acquireLock(team, caller, args)) })),
  );
  server.registerTool(
    "renew_lock",
    { description: "Extend a lock you hold before it expires (same fencing token).", inputSchema: mcpInput(RenewLockInputSchema) },
    (args) => runTool(async () => ({ lock: value(await coordinator().renewLock(team, caller, args)) })),
  );
  server.registerTool(
    "release_lock",
    {
      description: "Release a lock you hold, with the fencing token acquire_lock gave you.",
      inputSchema: mcpInput(LockHandleInputSchema),
      annotations: { idempotentHint: false },
    },
    (args) => runTool(async () => value(await coordinator().releaseLock(team, caller, args))),
  );

  // ---- work queue
  server.registerTool(
    "create_task",
    {
      description:
        "Add a task to the team's work queue: title, body, labels, priority 0–9, an assignee agent or a wanted capability, dependencies on other tasks.",
      inputSchema: mcpInput(CreateTaskInputSchema),
    },
    (args) => runTool(async () => ({ task: value(await coordinator().createTask(team, caller, args)) })),
  );
  server.registerTool(
    "claim_task",
    {
      description:
        "Claim the best task you may work on (or a given taskId). Returns the task with a claimToken, or task: null if nothing is claimable. Complete or fail it before leaseExpiresAt, or it goes back to the queue.",
      inputSchema: mcpInput(ClaimTaskInputSchema),
    },
    (args) => runTool(async () => ({ task: value(await coordinator().claimTask(team, caller, args)) })),
  );
  server.registerTool(
    "complete_task",
    {
      description:
        "Finish a task you claimed, with its result (any JSON). Dependent tasks become claimable; in a workflow the next agent gets a hand-off with your result.",
      inputSchema: mcpInput(CompleteTaskInputSchema),
    },
    (args) => runTool(async () => value(await coordinator().completeTask(team, caller, args))),
  );
  server.registerTool(
    "fail_task",
    {
      description:
        "Give a claimed task back with an error. It is retried until its attempts run out, then dead-lettered; retry: false dead-letters it now.",
      inputSchema: mcpInput(FailTaskInputSchema),
    },
    (args) => runTool(async () => ({ task: value(await coordinator().failTask(team, caller, args)) })),
  );

  // ---- hand-offs
  server.registerTool(
    "handoff",
    {
      description:
        "Leave a hand-off for another agent: what you did, what is next, links and structured context. Reusing a key for the same agent makes a new version. Needs an allowlist edge to it.",
      inputSchema: mcpInput(CreateHandoffInputSchema),
    },
    (args) => runTool(async () => ({ handoff: value(await coordinator().handoff(team, caller, args)) })),
  );
  server.registerTool(
    "read_handoffs",
    {
      description: "Read hand-offs left for you (by default only unread ones; reading them sends a read receipt).",
      inputSchema: mcpInput(ReadHandoffsInputSchema),
    },
    (args) => runTool(async () => ({ handoffs: await coordinator().readHandoffs(team, caller, args) })),
  );

  // ---- memory
  server.registerTool(
    "remember",
    {
      description:
        "Store a memory: episodic (what happened), working (scratch, give it a ttlSeconds) or procedural (how to). scope agent is private, team is shared with the team. Tags help recall.",
      inputSchema: mcpInput(RememberInputSchema),
    },
    (args) => runTool(async () => ({ memory: value(await coordinator().remember(team, caller, args)) })),
  );
  server.registerTool(
    "recall",
    {
      description:
        'Find memories: `query` searches full text (words, "phrases", prefix*), `tags` must all match, else newest first. Returns your private memories and the team\'s.',
      inputSchema: mcpInput(RecallInputSchema),
      annotations: { readOnlyHint: true },
    },
    (args) => runTool(async () => ({ memories: value(await coordinator().recall(team, caller, args)) })),
  );

  // ---- discovery, guardrails, profile, audit
  server.registerTool(
    "heartbeat",
    {
      description: "Say you are online and advertise your capabilities, a status line and your current task to the team.",
      inputSchema: mcpInput(HeartbeatInputSchema),
    },
    (args) => runTool(async () => ({ agent: await coordinator().heartbeat(team, caller, args) })),
  );
  server.registerTool(
    "list_agents",
    {
      description:
        "The agents of your team: ids, names, roles (templates), capabilities, who is online, status lines, current tasks and reputation as callees of runs (score 0–100, reliability, latency).",
      inputSchema: mcpInput(Empty),
      annotations: { readOnlyHint: true },
    },
    () => runTool(async () => ({ agents: await withReputation(env, team.tenantId, await coordinator().listAgents(team, caller)) })),
  );
  server.registerTool(
    "check_guardrails",
    {
      description:
        'Ask, before you act, whether the tenant\'s guardrails allow a command line (`action: "shell.exec"`, `content`: the command), SQL (`action: "sql"`) or an HTTP call (`action: "http.delete"`, `resource`: the URL, `content`: the body). The verdict says allow, log, require_approval or block, with the destructive operations found.',
      inputSchema: mcpInput(GuardrailCheckInputSchema),
      annotations: { readOnlyHint: true },
    },
    (args) =>
      runTool(async () => ({
        ...(await guardrailEngine(env).check(
          { tenantId: team.tenantId, teamId: team.teamId, agentId: caller.agentId, trustLevel: caller.trust },
          args,
          "mcp",
        )),
      })),
  );
  server.registerTool(
    "get_my_profile",
    {
      description: "Who you are here: agent id, name, role, trust level and what it allows, team, tenant, token expiry.",
      inputSchema: mcpInput(Empty),
      annotations: { readOnlyHint: true },
    },
    () => runTool(async () => ({ profile: profileOf(agent) })),
  );
  server.registerTool(
    "query_audit",
    {
      description: "Your own audit events (only yours), newest first, optionally one action such as coordination.task_claimed.",
      inputSchema: mcpInput(
        z.object({ limit: z.number().int().min(1).max(100).default(25), action: z.string().min(1).max(200).optional() }).strict(),
      ),
      annotations: { readOnlyHint: true },
    },
    (args) =>
      runTool(async () => {
        const rows = await listEntries(
          env,
          team.tenantId,
          { limit: args.limit, actorType: "agent", actorId: caller.agentId, ...(args.action ? { action: args.action } : {}) },
          undefined,
        );
        return { events: rows.slice(0, args.limit) };
      }),
  );

  // ---- runs (docs/runs.md)
  server.registerTool(
    "invoke_agent",
    {
      description:
        "Invoke another agent of your team as a run: it receives `input` as a relay request (body `{ run, input }`) and its reply is the run's output. `scope` limits the skills/tools it may use, `budget` its calls, egress calls, cost units and the deadline you wait for. Needs an allowlist edge to it. Returns the ended run (status succeeded, failed, denied, timed_out or budget_exceeded). Pass `parentRunId` when you do this as part of a run you were given.",
      inputSchema: mcpInput(InvokeAgentInputSchema),
      annotations: { openWorldHint: false },
    },
    (args) => runTool(async () => ({ run: await invokeAgent(env, agent, args, { via: "mcp" }) })),
  );
}
