/**
 * Workflow templates: named sequences of tasks across a team's roles, started by hand (dashboard
 * or `POST …/coordination/workflows`). Starting one creates every step's task at once, chained by
 * `dependsOn`, each assigned to the team's agent of that role (or, with none, wanting the role as
 * a capability). When a step's task completes, the coordinator hands off from the agent who did it
 * to the next step's agent (a versioned hand-off carrying the result); an `approval` step completed
 * with `{ "approved": false }` rejects the run and cancels what is left. docs/coordination.md.
 */
import { z } from "zod";
import { AgentTemplateSchema, type AgentTemplate } from "../agent-templates";

export interface WorkflowStepTemplate {
  key: string;
  role: AgentTemplate;
  title: string;
  body: string;
  dependsOn?: string[];
  priority?: number;
  /** Completing it with `{ approved: false }` rejects the run. */
  approval?: boolean;
  visibilityTimeoutMs?: number;
}

export interface WorkflowTemplate {
  id: string;
  name: string;
  description: string;
  steps: WorkflowStepTemplate[];
}

export const WORKFLOW_TEMPLATES = {
  "sprint-handoff": {
    id: "sprint-handoff",
    name: "Sprint hand-off",
    description: "PM plans the sprint, Engineering builds it, Ops ships it; each step hands its result to the next.",
    steps: [
      {
        key: "plan",
        role: "pm",
        title: "Plan the sprint",
        body: "Write the sprint goal, the tickets in scope and the acceptance criteria. Complete with the plan as the result.",
      },
      {
        key: "build",
        role: "engineering",
        title: "Build the sprint",
        body: "Implement the planned tickets; read the PM's hand-off first. Complete with what shipped and any open risks.",
        dependsOn: ["plan"],
      },
      {
        key: "ship",
        role: "ops",
        title: "Ship the sprint",
        body: "Deploy the build and watch it; read Engineering's hand-off first. Complete with the release id.",
        dependsOn: ["build"],
      },
    ],
  },
  "incident-escalation": {
    id: "incident-escalation",
    name: "Incident escalation",
    description:
      "Ops triages at top priority with a short lease (re-delivered if nobody acts); Engineering fixes the root cause; PM writes the post-mortem.",
    steps: [
      {
        key: "triage",
        role: "ops",
        title: "Triage the incident",
        body: "Assess impact, mitigate, and record what you found. A claim not settled within 5 minutes is re-delivered.",
        priority: 9,
        visibilityTimeoutMs: 300_000,
      },
      {
        key: "fix",
        role: "engineering",
        title: "Fix the root cause",
        body: "Read Ops' triage hand-off; fix and verify. Complete with the fix and how it was verified.",
        dependsOn: ["triage"],
        priority: 9,
      },
      {
        key: "postmortem",
        role: "pm",
        title: "Write the post-mortem",
        body: "Summarise timeline, cause, fix and follow-ups from the hand-offs.",
        dependsOn: ["fix"],
        priority: 6,
      },
    ],
  },
  "release-approval": {
    id: "release-approval",
    name: "Release approval",
    description: "Engineering prepares the release, PM approves or rejects it, Ops ships an approved release.",
    steps: [
      {
        key: "prepare",
        role: "engineering",
        title: "Prepare the release",
        body: "Cut the release candidate and write the release notes. Complete with the notes.",
      },
      {
        key: "approve",
        role: "pm",
        title: "Approve the release",
        body: 'Review the notes in the hand-off. Complete with {"approved": true} or {"approved": false, "reason": "…"}.',
        dependsOn: ["prepare"],
        approval: true,
      },
      {
        key: "ship",
        role: "ops",
        title: "Ship the approved release",
        body: "Deploy the approved release candidate. Complete with the deployment id.",
        dependsOn: ["approve"],
      },
    ],
  },
} as const satisfies Record<string, WorkflowTemplate>;

export type WorkflowTemplateId = keyof typeof WORKFLOW_TEMPLATES;
export const WORKFLOW_TEMPLATE_IDS = Object.keys(WORKFLOW_TEMPLATES) as [WorkflowTemplateId, ...WorkflowTemplateId[]];

export const StartWorkflowInputSchema = z
  .object({
    template: z.enum(WORKFLOW_TEMPLATE_IDS),
    title: z.string().min(1).max(200).meta({ description: "What this run is about, e.g. `Sprint 42` or `API latency spike`." }),
    details: z.string().max(8000).default("").meta({ description: "Context every step's task carries." }),
    assignees: z
      .partialRecord(AgentTemplateSchema, z.string().startsWith("agt_").max(64))
      .optional()
      .meta({ description: "Pick the agent for a role; default: the team's first agent of that template." }),
  })
  .strict()
  .meta({ id: "StartWorkflowInput" });
export type StartWorkflowInput = z.infer<typeof StartWorkflowInputSchema>;

export const WorkflowTemplateSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    steps: z.array(
      z.object({
        key: z.string(),
        role: z.string(),
        title: z.string(),
        body: z.string(),
        dependsOn: z.array(z.string()).optional(),
        approval: z.boolean().optional(),
      }),
    ),
  })
  .meta({ id: "WorkflowTemplate" });
