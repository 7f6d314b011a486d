/**
 * The egress policy, compiled once per change and consulted per call. Policy = the agent's
 * granted rules ∪ the network permissions of its installed skills, minus the tenant's deny rules
 * (docs/egress.md). `decideEgress` is THE decision: pure, synchronous, no I/O, so the proxy, the
 * "test a URL" API, skill dry-runs and the benchmark all run the same function, and later
 * capabilities (guardrails, approvals) can wrap its verdict. Effects (audit, limits, credential
 * injection) are applied by the caller in one place (durable-objects/egress-gate).
 *
 * Compilation indexes rules by exact host and by wildcard zone, so a decision looks at the rules
 * for the request's host and its parent zones only — O(labels), not O(rules).
 */
import { TRUST_LEVELS, type TrustLevel } from "../trust-levels";
import { parentZones, parseHostPattern, pathMatches } from "./host-pattern";
import type { AllowReason, DenyReason } from "./reasons";
import { checkTarget, type TargetOptions } from "./target";

export type RuleSource = { type: "agent" } | { type: "tenant" } | { type: "skill"; skill: string; version: string };
export type EgressScheme = "https" | "http";

export interface EgressRule {
  id: string;
  effect: "allow" | "deny";
  /** A host pattern (host-pattern.ts), canonical. */
  host: string;
  /** Upper-case methods, or null for any. */
  methods: readonly string[] | null;
  pathPrefix: string | null;
  /** https unless the rule says otherwise. */
  schemes: readonly EgressScheme[];
  source: RuleSource;
}

interface CompiledRule extends EgressRule {
  wildcard: boolean;
}

export interface CompiledPolicy {
  allowExact: Map<string, CompiledRule[]>;
  allowZone: Map<string, CompiledRule[]>;
  denyExact: Map<string, CompiledRule[]>;
  denyZone: Map<string, CompiledRule[]>;
  ruleCount: number;
}

/** Rules whose pattern no longer parses (e.g. a host later added to the blocked names) are skipped, never widened. */
export function compilePolicy(rules: readonly EgressRule[]): CompiledPolicy {
  const policy: CompiledPolicy = { allowExact: new Map(), allowZone: new Map(), denyExact: new Map(), denyZone: new Map(), ruleCount: 0 };
  for (const rule of rules) {
    const parsed = parseHostPattern(rule.host);
    if (!parsed.ok) continue;
    const key = parsed.pattern.kind === "exact" ? parsed.pattern.host : parsed.pattern.suffix;
    const map =
      rule.effect === "allow"
        ? parsed.pattern.kind === "exact"
          ? policy.allowExact
          : policy.allowZone
        : parsed.pattern.kind === "exact"
          ? policy.denyExact
          : policy.denyZone;
    const list = map.get(key);
    const compiled: CompiledRule = {
      ...rule,
      methods: rule.methods?.map((m) => m.toUpperCase()) ?? null,
      wildcard: parsed.pattern.kind === "wildcard",
    };
    if (list) list.push(compiled);
    else map.set(key, [compiled]);
    policy.ruleCount++;
  }
  return policy;
}

export interface EgressRequest {
  method: string;
  url: string | URL;
  trustLevel: TrustLevel;
  /** A person approved exactly this call (docs/governance.md#approvals): the trust level's method list does not apply. */
  approved?: boolean;
}

export type Verdict =
  | { decision: "allow"; reason: AllowReason; ruleId: string; source: RuleSource; host: string; url: URL }
  | { decision: "deny"; reason: DenyReason; detail: string; ruleId?: string; host?: string };

export function decideEgress(policy: CompiledPolicy, request: EgressRequest, target: TargetOptions = {}): Verdict {
  const checked = checkTarget(request.url, target);
  if (!checked.ok) return { decision: "deny", reason: checked.reason, detail: checked.detail };
  const { url, host } = checked;
  const method = request.method.toUpperCase();
  const scheme = url.protocol === "https:" ? "https" : "http";
  const zones = checked.ipLiteral ? [] : parentZones(host);
  const applies = (rule: CompiledRule) =>
    rule.schemes.includes(scheme) && (rule.methods === null || rule.methods.includes(method)) && pathMatches(rule.pathPrefix, url.pathname);

  const deny = firstMatch(policy.denyExact, policy.denyZone, host, zones, applies);
  if (deny) return { decision: "deny", reason: "denied_by_tenant_rule", detail: `tenant deny rule ${deny.host}`, ruleId: deny.id, host };

  const candidates = [...(policy.allowExact.get(host) ?? []), ...zones.flatMap((z) => policy.allowZone.get(z) ?? [])];
  if (candidates.length === 0) {
    return checked.ipLiteral
      ? { decision: "deny", reason: "ip_literal_not_allowed", detail: `no rule names ${host}`, host }
      : { decision: "deny", reason: "no_matching_rule", detail: `no rule for ${host}`, host };
  }
  const rule = candidates.find(applies);
  if (!rule) {
    const schemeOnly = candidates.some((r) => !r.schemes.includes(scheme));
    return schemeOnly && !candidates.some((r) => r.schemes.includes(scheme))
      ? { decision: "deny", reason: "scheme_not_allowed", detail: `${scheme} is not allowed for ${host}`, host }
      : { decision: "deny", reason: "method_not_allowed", detail: `no rule for ${host} allows ${method} ${url.pathname}`, host };
  }
  const allowedMethods = (TRUST_LEVELS[request.trustLevel] ?? TRUST_LEVELS[0]!).egressMethods;
  if (!allowedMethods.includes(method) && !request.approved) {
    return {
      decision: "deny",
      reason: "method_not_allowed_by_trust",
      detail: `trust level ${request.trustLevel} allows ${allowedMethods.join(", ") || "no methods"} without approval`,
      ruleId: rule.id,
      host,
    };
  }
  return {
    decision: "allow",
    reason: rule.source.type === "skill" ? "skill_rule" : "agent_rule",
    ruleId: rule.id,
    source: rule.source,
    host,
    url,
  };
}

function firstMatch(
  exact: Map<string, CompiledRule[]>,
  zone: Map<string, CompiledRule[]>,
  host: string,
  zones: string[],
  applies: (r: CompiledRule) => boolean,
): CompiledRule | undefined {
  const direct = exact.get(host)?.find(applies);
  if (direct) return direct;
  for (const z of zones) {
    const hit = zone.get(z)?.find(applies);
    if (hit) return hit;
  }
  return undefined;
}
