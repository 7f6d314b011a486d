/**
 * The allowlist editor's working copy: pure operations on the rules (edges and topic rules) the
 * graph and the keyboard forms both change, plus the rebase that keeps a person's edits when a
 * save loses a race (409 `version_conflict`). Shapes come from the shared schema
 * (workers/shared/relay/allowlist.ts), never redefined here.
 */
import { edgeKey, SubjectSchema, topicRuleKey, type Allowlist, type Edge, type Subject, type TopicRule } from "@shared/relay/allowlist";

export type Rules = Pick<Allowlist, "edges" | "topics">;

/** What makes two rules the same rule: the relay's own definition. */
export { edgeKey, topicRuleKey };

/** `agent:agt_…` / `role:pm` back to a subject (the value of the editor's selects and node ids). */
export function parseSubjectKey(key: string): Subject | null {
  const i = key.indexOf(":");
  if (i < 0) return null;
  const parsed = SubjectSchema.safeParse({ kind: key.slice(0, i), id: key.slice(i + 1) });
  return parsed.success ? parsed.data : null;
}

/** Why an edge cannot be added, or null when it can. */
export function edgeProblem(rules: Rules, edge: Edge): string | null {
  if (edge.from.kind === "agent" && edge.to.kind === "agent" && edge.from.id === edge.to.id)
    return "An agent does not message itself: pick two different agents.";
  if (rules.edges.some((e) => edgeKey(e) === edgeKey(edge))) return "This rule already exists.";
  return null;
}

export function addEdge(rules: Rules, edge: Edge): Rules {
  return edgeProblem(rules, edge) ? rules : { ...rules, edges: [...rules.edges, edge] };
}

export function removeEdges(rules: Rules, keys: Iterable<string>): Rules {
  const drop = new Set(keys);
  return { ...rules, edges: rules.edges.filter((e) => !drop.has(edgeKey(e))) };
}

export function addTopicRule(rules: Rules, rule: TopicRule): Rules {
  return rules.topics.some((r) => topicRuleKey(r) === topicRuleKey(rule)) ? rules : { ...rules, topics: [...rules.topics, rule] };
}

export function removeTopicRule(rules: Rules, key: string): Rules {
  return { ...rules, topics: rules.topics.filter((r) => topicRuleKey(r) !== key) };
}

interface RuleDiff {
  addedEdges: Edge[];
  removedEdges: Set<string>;
  addedTopics: TopicRule[];
  removedTopics: Set<string>;
}

export function diffRules(base: Rules, mine: Rules): RuleDiff {
  const baseEdges = new Set(base.edges.map(edgeKey));
  const mineEdges = new Set(mine.edges.map(edgeKey));
  const baseTopics = new Set(base.topics.map(topicRuleKey));
  const mineTopics = new Set(mine.topics.map(topicRuleKey));
  return {
    addedEdges: mine.edges.filter((e) => !baseEdges.has(edgeKey(e))),
    removedEdges: new Set([...baseEdges].filter((k) => !mineEdges.has(k))),
    addedTopics: mine.topics.filter((r) => !baseTopics.has(topicRuleKey(r))),
    removedTopics: new Set([...baseTopics].filter((k) => !mineTopics.has(k))),
  };
}

/** How many rules differ between the saved version and the working copy. */
export function changeCount(base: Rules, mine: Rules): number {
  const d = diffRules(base, mine);
  return d.addedEdges.length + d.removedEdges.size + d.addedTopics.length + d.removedTopics.size;
}

/**
 * Re-applies the person's own changes (what they added and removed relative to the version they
 * started from) on top of the latest saved version, so someone else's concurrent changes are
 * kept rather than overwritten by a blind retry.
 */
export function rebaseRules(base: Rules, mine: Rules, latest: Rules): Rules {
  const d = diffRules(base, mine);
  let out: Rules = {
    edges: latest.edges.filter((e) => !d.removedEdges.has(edgeKey(e))),
    topics: latest.topics.filter((r) => !d.removedTopics.has(topicRuleKey(r))),
  };
  for (const e of d.addedEdges) out = addEdge(out, e);
  for (const r of d.addedTopics) out = addTopicRule(out, r);
  return out;
}
