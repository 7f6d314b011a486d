/**
 * The team's allowlist as the relay stores it: one JSON document plus its version in `meta`. The
 * relay is the single writer per team, so a PUT's version check and write are atomic without
 * D1 transactions. The compiled form is a cache, rebuilt at start-up and after every change, and
 * consulted for every frame — which is how a change reaches open connections at once.
 */
import {
  AllowlistRulesSchema,
  edgeKey,
  MAX_EDGES,
  MAX_TOPIC_RULES,
  normalizeRules,
  topicRuleKey,
  type Allowlist,
  type Edge,
  type TopicRule,
} from "../../workers/shared/relay/allowlist";
import { readMeta, writeMeta } from "./schema";

export function loadAllowlist(sql: SqlStorage): Allowlist {
  const version = Number(readMeta(sql, "allowlist_version") ?? 0);
  const raw = readMeta(sql, "allowlist");
  const rules = raw ? AllowlistRulesSchema.parse(JSON.parse(raw)) : { edges: [], topics: [] };
  return { version, ...rules };
}

export type ReplaceResult = { ok: true; allowlist: Allowlist } | { ok: false; current: Allowlist };

/** Replaces the whole allowlist if `expectedVersion` is the current version. */
export function replaceAllowlist(sql: SqlStorage, expectedVersion: number, rules: { edges: Edge[]; topics: TopicRule[] }): ReplaceResult {
  const current = loadAllowlist(sql);
  if (current.version !== expectedVersion) return { ok: false, current };
  const next = { version: current.version + 1, ...normalizeRules(rules) };
  writeMeta(sql, "allowlist", JSON.stringify({ edges: next.edges, topics: next.topics }));
  writeMeta(sql, "allowlist_version", String(next.version));
  return { ok: true, allowlist: next };
}

export type RuleEdit = { op: "add" | "remove" } & ({ edge: Edge } | { topic: TopicRule });
export type EditResult =
  | { ok: true; changed: boolean; allowlist: Allowlist }
  | { ok: false; reason: "too_many"; max: number; current: Allowlist };

/**
 * Adds or removes one edge or topic rule. Idempotent: adding a rule that is there, or removing
 * one that is not, changes nothing (same version). Edits of single rules commute, so unlike PUT
 * they need no `expectedVersion`: two editors adding different edges both win.
 */
export function editRule(sql: SqlStorage, edit: RuleEdit): EditResult {
  const current = loadAllowlist(sql);
  let edges = current.edges;
  let topics = current.topics;
  if ("edge" in edit) {
    const key = edgeKey(edit.edge);
    const present = edges.some((e) => edgeKey(e) === key);
    if (present === (edit.op === "add")) return { ok: true, changed: false, allowlist: current };
    if (edit.op === "add" && edges.length >= MAX_EDGES) return { ok: false, reason: "too_many", max: MAX_EDGES, current };
    edges = edit.op === "add" ? [...edges, edit.edge] : edges.filter((e) => edgeKey(e) !== key);
  } else {
    const key = topicRuleKey(edit.topic);
    const present = topics.some((t) => topicRuleKey(t) === key);
    if (present === (edit.op === "add")) return { ok: true, changed: false, allowlist: current };
    if (edit.op === "add" && topics.length >= MAX_TOPIC_RULES) return { ok: false, reason: "too_many", max: MAX_TOPIC_RULES, current };
    topics = edit.op === "add" ? [...topics, edit.topic] : topics.filter((t) => topicRuleKey(t) !== key);
  }
  const result = replaceAllowlist(sql, current.version, { edges, topics });
  if (!result.ok) throw new Error("allowlist changed under a synchronous edit");
  return { ok: true, changed: true, allowlist: result.allowlist };
}
