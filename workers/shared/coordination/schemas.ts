/**
 * Coordination primitives' wire shapes (locks, tasks, hand-offs, memory, presence, workflow runs):
 * one zod definition each, shared by the HTTP routes (OpenAPI), the MCP tools (their JSON
 * schemas), the TeamCoordinator Durable Object (its RPC types) and the dashboard. Contract:
 * docs/coordination.md.
 */
import { z } from "zod";
import { AgentTemplateSchema } from "../agent-templates";
import { ReputationSchema } from "../runs/reputation";

const Name = z.string().min(1).max(200);
export const LabelSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._:/-]+$/, "letters, digits and . _ : / -");
export const TagSchema = LabelSchema;
const Json = z.record(z.string(), z.unknown());
const Iso = z.iso.datetime();

/** Who did something in a team's coordination state: an agent (token) or a person/API key (dashboard, API). */
export const CoordActorSchema = z
  .object({ type: z.enum(["agent", "user", "api_key", "system"]), id: z.string().nullable(), name: z.string().nullable().optional() })
  .meta({ id: "CoordinationActor" });
export type CoordActor = z.infer<typeof CoordActorSchema>;

// ---- locks

export const LOCK_LIMITS = { minTtlMs: 1_000, maxTtlMs: 3_600_000, defaultTtlMs: 30_000, maxWaitMs: 30_000 } as const;
export const LockNameSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\s]+$/, "no whitespace")
  .meta({ description: "Any resource name, e.g. `repo:main` or `deploy/prod`." });

export const AcquireLockInputSchema = z
  .object({
    name: LockNameSchema,
    ttlMs: z
      .number()
      .int()
      .min(LOCK_LIMITS.minTtlMs)
      .max(LOCK_LIMITS.maxTtlMs)
      .optional()
      .meta({ description: "How long the lock lives unless renewed (1 s – 1 h; default: the team's setting, 30 s unless changed)." }),
    waitMs: z.number().int().min(0).max(LOCK_LIMITS.maxWaitMs).default(0).meta({
      description: "Wait up to this long for a held lock to be released or expire (0 – 30 s, default 0: fail at once with `lock_held`).",
    }),
  })
  .strict()
  .meta({ id: "AcquireLockInput" });
export type AcquireLockInput = z.input<typeof AcquireLockInputSchema>;

export const LockSchema = z
  .object({
    name: z.string(),
    holder: CoordActorSchema,
    fencingToken: z.number().int().meta({
      description:
        "Increases with every acquisition in the team, never reused (also across restarts). Pass it to the resource you guard and refuse writes carrying a smaller one.",
    }),
    acquiredAt: Iso,
    expiresAt: Iso,
  })
  .meta({ id: "Lock" });
export type Lock = z.infer<typeof LockSchema>;

export const LockHandleInputSchema = z
  .object({ name: LockNameSchema, fencingToken: z.number().int().min(1) })
  .strict()
  .meta({ id: "LockHandle" });
export const RenewLockInputSchema = LockHandleInputSchema.extend({ ttlMs: AcquireLockInputSchema.shape.ttlMs })
  .strict()
  .meta({ id: "RenewLockInput" });

// ---- tasks

export const TASK_STATES = ["blocked", "queued", "claimed", "completed", "dead", "cancelled"] as const;
export const TaskStateSchema = z.enum(TASK_STATES).meta({
  id: "TaskState",
  description:
    "`blocked`: waits for dependencies; `queued`: claimable; `claimed`: leased to an agent until `leaseExpiresAt`; `completed`; `dead`: failed `maxAttempts` times (dead letter); `cancelled`.",
});
export type TaskState = z.infer<typeof TaskStateSchema>;
export const TASK_LIMITS = {
  minVisibilityMs: 1_000,
  maxVisibilityMs: 86_400_000,
  defaultVisibilityMs: 60_000,
  defaultMaxAttempts: 3,
  maxAttempts: 20,
  maxDeps: 20,
  maxBodyBytes: 16_384,
} as const;

export const CreateTaskInputSchema = z
  .object({
    title: Name,
    body: z.string().max(TASK_LIMITS.maxBodyBytes).default(""),
    labels: z.array(LabelSchema).max(20).default([]),
    priority: z
      .number()
      .int()
      .min(0)
      .max(9)
      .default(5)
      .meta({ description: "0 (lowest) – 9 (highest); higher is claimed first, then oldest." }),
    assignee: z.string().startsWith("agt_").max(64).optional().meta({ description: "Only this agent may claim it." }),
    capability: LabelSchema.optional().meta({
      description: "Only agents advertising this capability may claim it (an agent's template counts as a capability).",
    }),
    dependsOn: z
      .array(z.string().startsWith("task_").max(64))
      .max(TASK_LIMITS.maxDeps)
      .default([])
      .meta({ description: "Tasks that must be `completed` before this one is claimable." }),
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .max(TASK_LIMITS.maxAttempts)
      .optional()
      .meta({ description: "Attempts before the dead letter (default: the team's setting, 3)." }),
    visibilityTimeoutMs: z.number().int().min(TASK_LIMITS.minVisibilityMs).max(TASK_LIMITS.maxVisibilityMs).optional().meta({
      description:
        "A claim not completed or failed within this long is re-delivered (counts as an attempt). Default: the team's setting, 60 s.",
    }),
  })
  .strict()
  .meta({ id: "CreateTaskInput" });
export type CreateTaskInput = z.input<typeof CreateTaskInputSchema>;

export const TaskSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    body: z.string(),
    labels: z.array(z.string()),
    priority: z.number().int(),
    assignee: z.string().nullable(),
    capability: z.string().nullable(),
    dependsOn: z.array(z.string()),
    state: TaskStateSchema,
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    visibilityTimeoutMs: z.number().int(),
    claimedBy: z.string().nullable(),
    claimToken: z
      .string()
      .nullable()
      .meta({ description: "Shown only to the claimer in the claim answer; complete/fail must present it." }),
    leaseExpiresAt: Iso.nullable(),
    result: z.unknown().nullable(),
    lastError: z.string().nullable(),
    createdBy: CoordActorSchema,
    workflowRunId: z.string().nullable(),
    createdAt: Iso,
    updatedAt: Iso,
  })
  .meta({ id: "Task" });
export type Task = z.infer<typeof TaskSchema>;

export const ClaimTaskInputSchema = z
  .object({
    taskId: z
      .string()
      .startsWith("task_")
      .max(64)
      .optional()
      .meta({ description: "Claim this task; without it, the best claimable task for the caller." }),
    capabilities: z
      .array(LabelSchema)
      .max(50)
      .optional()
      .meta({ description: "Capabilities to match `capability` against, in addition to the agent's advertised ones." }),
  })
  .strict()
  .meta({ id: "ClaimTaskInput" });
export const CompleteTaskInputSchema = z
  .object({ taskId: z.string().startsWith("task_").max(64), claimToken: z.string().min(1).max(64), result: z.unknown().optional() })
  .strict()
  .meta({ id: "CompleteTaskInput" });
export const FailTaskInputSchema = z
  .object({
    taskId: z.string().startsWith("task_").max(64),
    claimToken: z.string().min(1).max(64),
    error: z.string().min(1).max(2000),
    retry: z.boolean().default(true).meta({ description: "false sends it to the dead letter at once." }),
  })
  .strict()
  .meta({ id: "FailTaskInput" });
export const TaskListQuerySchema = z
  .object({ state: TaskStateSchema.optional(), limit: z.coerce.number().int().min(1).max(200).default(100) })
  .strict();

// ---- hand-offs

export const HandoffLinkSchema = z.object({ title: z.string().max(200), url: z.string().max(2000) }).strict();
export const CreateHandoffInputSchema = z
  .object({
    to: z.string().startsWith("agt_").max(64).meta({ description: "The agent that picks the work up." }),
    key: LabelSchema.optional().meta({
      description:
        "Names the hand-off thread (e.g. `sprint-42`); a new hand-off with the same key and recipient is its next version. Default: a new key.",
    }),
    title: Name,
    done: z.string().max(8000).default("").meta({ description: "What was done." }),
    next: z.string().max(8000).default("").meta({ description: "What is next for the recipient." }),
    links: z.array(HandoffLinkSchema).max(20).default([]),
    context: Json.default({}).meta({ description: "Structured context (JSON object, ≤ 16 KiB)." }),
    taskId: z.string().startsWith("task_").max(64).optional(),
  })
  .strict()
  .meta({ id: "CreateHandoffInput" });
export type CreateHandoffInput = z.input<typeof CreateHandoffInputSchema>;

export const HandoffSchema = z
  .object({
    id: z.string(),
    key: z.string(),
    version: z.number().int(),
    from: CoordActorSchema,
    to: z.string(),
    title: z.string(),
    done: z.string(),
    next: z.string(),
    links: z.array(HandoffLinkSchema),
    context: Json,
    taskId: z.string().nullable(),
    workflowRunId: z.string().nullable(),
    createdAt: Iso,
    readAt: Iso.nullable().meta({ description: "Read receipt: when the recipient first read this version." }),
  })
  .meta({ id: "Handoff" });
export type Handoff = z.infer<typeof HandoffSchema>;

export const ReadHandoffsInputSchema = z
  .object({
    unreadOnly: z.boolean().default(true),
    key: LabelSchema.optional(),
    limit: z.number().int().min(1).max(100).default(20),
  })
  .strict()
  .meta({ id: "ReadHandoffsInput" });

// ---- memory

export const MEMORY_KINDS = ["episodic", "working", "procedural"] as const;
export const MemoryKindSchema = z.enum(MEMORY_KINDS).meta({
  id: "MemoryKind",
  description:
    "`episodic`: what happened; `working`: scratch state for the task at hand (usually with a TTL); `procedural`: how to do things.",
});
export const MemoryScopeSchema = z
  .enum(["agent", "team"])
  .meta({ id: "MemoryScope", description: "`agent`: private to the agent; `team`: readable by every agent of the team." });
export const MEMORY_LIMITS = { maxContentBytes: 16_384, teamQuotaBytes: 16 * 1024 * 1024 } as const;

export const RememberInputSchema = z
  .object({
    content: z.string().min(1).max(MEMORY_LIMITS.maxContentBytes),
    kind: MemoryKindSchema.default("episodic"),
    scope: MemoryScopeSchema.default("agent"),
    tags: z.array(TagSchema).max(20).default([]),
    ttlSeconds: z
      .number()
      .int()
      .min(1)
      .max(31_536_000)
      .optional()
      .meta({ description: "Forget after this long (default: keep until deleted)." }),
  })
  .strict()
  .meta({ id: "RememberInput" });
export type RememberInput = z.input<typeof RememberInputSchema>;

export const RecallInputSchema = z
  .object({
    query: z
      .string()
      .max(500)
      .optional()
      .meta({ description: 'Full-text search (SQLite FTS5: words, "phrases", prefix*), ranked by relevance.' }),
    tags: z.array(TagSchema).max(10).optional().meta({ description: "Entries carrying all of these tags." }),
    kind: MemoryKindSchema.optional(),
    scope: z.enum(["agent", "team", "all"]).default("all"),
    limit: z.number().int().min(1).max(100).default(20),
  })
  .strict()
  .meta({ id: "RecallInput" });
export type RecallInput = z.input<typeof RecallInputSchema>;

export const MemorySchema = z
  .object({
    id: z.string(),
    scope: MemoryScopeSchema,
    owner: z.string().nullable().meta({ description: "The agent whose private memory it is; null for team memory." }),
    kind: MemoryKindSchema,
    content: z.string(),
    tags: z.array(z.string()),
    bytes: z.number().int(),
    createdBy: CoordActorSchema,
    createdAt: Iso,
    expiresAt: Iso.nullable(),
  })
  .meta({ id: "Memory" });
export type Memory = z.infer<typeof MemorySchema>;

// ---- presence and discovery

export const HeartbeatInputSchema = z
  .object({
    capabilities: z
      .array(LabelSchema)
      .max(50)
      .optional()
      .meta({ description: "Replaces the advertised capabilities (the agent's template always counts)." }),
    status: z.string().max(200).optional().meta({ description: "Free text, e.g. `reviewing PR 12`." }),
    currentTask: z.string().startsWith("task_").max(64).nullable().optional(),
  })
  .strict()
  .meta({ id: "HeartbeatInput" });
export const ONLINE_WINDOW_MS = 60_000;

export const AgentPresenceSchema = z
  .object({
    agentId: z.string(),
    name: z.string(),
    template: AgentTemplateSchema,
    trustLevel: z.number().int(),
    status: z.enum(["active", "suspended"]),
    capabilities: z.array(z.string()),
    online: z.boolean().meta({ description: `Seen (heartbeat or any coordination call) within the last ${ONLINE_WINDOW_MS / 1000} s.` }),
    lastSeenAt: Iso.nullable(),
    statusText: z.string().nullable(),
    currentTask: z.string().nullable(),
    /** Runs (docs/runs.md): the agent's record as a callee, for choosing whom to invoke. Added by the API. */
    reputation: ReputationSchema.optional(),
  })
  .meta({ id: "AgentPresence" });
export type AgentPresence = z.infer<typeof AgentPresenceSchema>;

// ---- workflows

export const WorkflowRunSchema = z
  .object({
    id: z.string(),
    template: z.string(),
    title: z.string(),
    status: z.enum(["running", "completed", "failed", "rejected", "cancelled"]),
    startedBy: CoordActorSchema,
    steps: z.array(
      z.object({
        key: z.string(),
        title: z.string(),
        role: z.string(),
        taskId: z.string().nullable(),
        state: TaskStateSchema.nullable(),
        assignee: z.string().nullable(),
        handoffId: z.string().nullable(),
      }),
    ),
    params: Json,
    createdAt: Iso,
    updatedAt: Iso,
  })
  .meta({ id: "WorkflowRun" });
export type WorkflowRun = z.infer<typeof WorkflowRunSchema>;

// ---- the coordination settings a team YAML carries

export const CoordinationSettingsSchema = z
  .object({
    lockDefaultTtlMs: z.number().int().min(LOCK_LIMITS.minTtlMs).max(LOCK_LIMITS.maxTtlMs).default(LOCK_LIMITS.defaultTtlMs),
    taskVisibilityTimeoutMs: z
      .number()
      .int()
      .min(TASK_LIMITS.minVisibilityMs)
      .max(TASK_LIMITS.maxVisibilityMs)
      .default(TASK_LIMITS.defaultVisibilityMs),
    taskMaxAttempts: z.number().int().min(1).max(TASK_LIMITS.maxAttempts).default(TASK_LIMITS.defaultMaxAttempts),
    teamMemoryQuotaBytes: z.number().int().min(1024).max(MEMORY_LIMITS.teamQuotaBytes).default(MEMORY_LIMITS.teamQuotaBytes),
  })
  .strict()
  .meta({ id: "CoordinationSettings" });
export type CoordinationSettings = z.infer<typeof CoordinationSettingsSchema>;
