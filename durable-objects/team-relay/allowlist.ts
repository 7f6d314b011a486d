/**
 * The team's allowlist as the relay stores it: one JSON document plus its version in `meta`. The
 * relay is the single writer per team, so a PUT's version check and write are atomic without
 * D1 transactions. The compiled form is a cache, rebuilt at start-up and after every change, and
 * consulted for every frame — which is how a change reaches open connections at once.
 */
import { AllowlistRulesSchema, CompiledAllowlist, normalizeRules, type Allowlist, type Edge, type TopicRule } from "../../workers/shared/relay/allowlist";
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

export function compile(allowlist: Allowlist): CompiledAllowlist {
  return new CompiledAllowlist(allowlist);
}
