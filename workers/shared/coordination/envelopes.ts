/** Response envelopes of the coordination API (HTTP) — the MCP tools return the same objects. */
import { z } from "zod";
import { TaskStateSchema } from "./schemas";
import { AgentPresenceSchema, HandoffSchema, LockSchema, MemorySchema, TaskSchema, WorkflowRunSchema } from "./schemas";

export const LockEnvelope = z.object({ lock: LockSchema }).meta({ id: "LockEnvelope" });
export const LocksEnvelope = z
  .object({
    locks: z.array(LockSchema),
    fencingCounter: z.number().int().meta({ description: "The last fencing token issued in this team." }),
  })
  .meta({ id: "LocksEnvelope" });
export const ReleasedEnvelope = z.object({ released: z.boolean() }).meta({ id: "LockReleased" });
export const ForceReleasedEnvelope = z.object({ released: z.boolean(), previous: LockSchema.nullable() }).meta({ id: "LockForceReleased" });
export const TaskEnvelope = z.object({ task: TaskSchema }).meta({ id: "TaskEnvelope" });
export const ClaimEnvelope = z
  .object({ task: TaskSchema.nullable().meta({ description: "null: nothing claimable for this agent right now." }) })
  .meta({ id: "ClaimResult" });
export const CompleteEnvelope = z
  .object({
    task: TaskSchema,
    unblocked: z.array(z.string()).meta({ description: "Tasks that became claimable because this one completed." }),
  })
  .meta({ id: "CompleteResult" });
export const TasksEnvelope = z
  .object({ tasks: z.array(TaskSchema), counts: z.record(TaskStateSchema, z.number().int()) })
  .meta({ id: "TaskList" });
export const HandoffEnvelope = z.object({ handoff: HandoffSchema }).meta({ id: "HandoffEnvelope" });
export const HandoffsEnvelope = z.object({ handoffs: z.array(HandoffSchema) }).meta({ id: "HandoffList" });
export const MemoryEnvelope = z.object({ memory: MemorySchema }).meta({ id: "MemoryEnvelope" });
export const MemoriesEnvelope = z.object({ memories: z.array(MemorySchema) }).meta({ id: "MemoryList" });
export const MemoryUsageEnvelope = z
  .object({
    teamBytes: z.number().int(),
    teamQuotaBytes: z.number().int(),
    agents: z.array(z.object({ agentId: z.string(), bytes: z.number().int() })),
  })
  .meta({ id: "MemoryUsage" });
export const DeletedEnvelope = z.object({ deleted: z.literal(true) }).meta({ id: "Deleted" });
export const AgentsEnvelope = z.object({ agents: z.array(AgentPresenceSchema) }).meta({ id: "AgentPresenceList" });
export const PresenceEnvelope = z.object({ agent: AgentPresenceSchema }).meta({ id: "PresenceEnvelope" });
export const WorkflowRunEnvelope = z.object({ run: WorkflowRunSchema }).meta({ id: "WorkflowRunEnvelope" });
export const WorkflowRunsEnvelope = z.object({ runs: z.array(WorkflowRunSchema) }).meta({ id: "WorkflowRunList" });
