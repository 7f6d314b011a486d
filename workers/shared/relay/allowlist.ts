/**
 * The team allowlist: who may talk to whom on a team's relay, and who may publish or subscribe
 * to which topics. Default deny: nothing is allowed unless a rule says so. Shared by the API (its
 * schemas), the TeamRelay (its decisions) and the dashboard's graph editor.
 *
 * Subjects are an agent (`{ kind: "agent", id: "agt_…" }`) or a role, i.e. an agent template
 * (`{ kind: "role", id: "pm" }`). An edge is directed: `from` may send/request/broadcast to `to`.
 * Topic patterns are exact names or a prefix ending in `*` (`deploys.*` matches `deploys.prod`).
 */
import { z } from "zod";
import { AgentTemplateSchema, type AgentTemplate } from "../agent-templates";

export const SubjectSchema = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("agent"), id: z.string().startsWith("agt_").max(64) }).strict(),
    z.object({ kind: z.literal("role"), id: AgentTemplateSchema }).strict(),
  ])
  .meta({ id: "AllowlistSubject" });
export type Subject = z.infer<typeof SubjectSchema>;

export const EdgeSchema = z.object({ from: SubjectSchema, to: SubjectSchema }).strict().meta({ id: "AllowlistEdge" });
export type Edge = z.infer<typeof EdgeSchema>;

export const TopicPatternSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:/-]*\*?$/, "letters, digits and . _ : / - with an optional trailing *");
export const TopicRuleSchema = z
  .object({ topic: TopicPatternSchema, subject: SubjectSchema, action: z.enum(["publish", "subscribe"]) })
  .strict()
  .meta({ id: "AllowlistTopicRule" });
export type TopicRule = z.infer<typeof TopicRuleSchema>;

export const MAX_EDGES = 1000;
export const MAX_TOPIC_RULES = 500;

export const AllowlistRulesSchema = z.object({
  edges: z.array(EdgeSchema).max(MAX_EDGES),
  topics: z.array(TopicRuleSchema).max(MAX_TOPIC_RULES),
});
export const AllowlistSchema = AllowlistRulesSchema.extend({
  /** Increases by one with every change; PUT must name the version it replaces. */
  version: z.number().int().min(0),
}).meta({ id: "Allowlist" });
export type Allowlist = z.infer<typeof AllowlistSchema>;

/** Answer of the single-rule edits (POST/DELETE …/allowlist/edges and …/allowlist/topics). */
export const AllowlistEditResultSchema = z
  .object({
    allowlist: AllowlistSchema,
    changed: z.boolean().meta({
      description: "False when the rule was already there (add) or already absent (remove): nothing changed, the version stayed.",
    }),
  })
  .meta({ id: "AllowlistEditResult" });

export const PutAllowlistInputSchema = AllowlistRulesSchema.extend({ expectedVersion: z.number().int().min(0) })
  .strict()
  .meta({ id: "PutAllowlistInput" });
export type PutAllowlistInput = z.infer<typeof PutAllowlistInputSchema>;

/** Who a decision is about: the agent and its role. */
export interface Party {
  agentId: string;
  role: AgentTemplate;
}

export const subjectKey = (s: Subject) => `${s.kind}:${s.id}`;
/** What makes two edges the same edge. */
export const edgeKey = (e: Edge) => `${subjectKey(e.from)}>${subjectKey(e.to)}`;
/** What makes two topic rules the same rule. */
export const topicRuleKey = (r: TopicRule) => `${r.action}|${r.topic}|${subjectKey(r.subject)}`;

/** An allowlist compiled for constant-time edge checks; rebuild it whenever the rules change. */
export class CompiledAllowlist {
  private readonly edges: Set<string>;
  private readonly topics: TopicRule[];

  constructor(rules: { edges: Edge[]; topics: TopicRule[] }) {
    this.edges = new Set(rules.edges.map(edgeKey));
    this.topics = rules.topics;
  }

  /** May `from` send to `to`? Any of agent→agent, agent→role, role→agent, role→role edges allows it. */
  allows(from: Party, to: Party): boolean {
    for (const f of [`agent:${from.agentId}`, `role:${from.role}`]) {
      for (const t of [`agent:${to.agentId}`, `role:${to.role}`]) if (this.edges.has(`${f}>${t}`)) return true;
    }
    return false;
  }

  mayTopic(party: Party, topic: string, action: TopicRule["action"]): boolean {
    return this.topics.some((r) => r.action === action && subjectMatches(r.subject, party) && topicMatches(r.topic, topic));
  }
}

function subjectMatches(subject: Subject, party: Party): boolean {
  return subject.kind === "agent" ? subject.id === party.agentId : subject.id === party.role;
}

export function topicMatches(pattern: string, topic: string): boolean {
  return pattern.endsWith("*") ? topic.startsWith(pattern.slice(0, -1)) : pattern === topic;
}

/** Drops duplicate edges and rules, so the stored list (and its version) has one row per rule. */
export function normalizeRules(rules: { edges: Edge[]; topics: TopicRule[] }): { edges: Edge[]; topics: TopicRule[] } {
  const edges = new Map(rules.edges.map((e) => [edgeKey(e), e]));
  const topics = new Map(rules.topics.map((r) => [topicRuleKey(r), r]));
  return { edges: [...edges.values()], topics: [...topics.values()] };
}
