/**
 * The guardrail engine's one entry point: scan what an agent is about to do (a command line, SQL,
 * an HTTP call, a JSON body) and decide it under the tenant's policy and the agent's trust level.
 * Pure: no I/O, no clock. Callers (HTTP route, MCP tool, egress gate) own the effects — the audit
 * event and the refusal. docs/governance.md.
 */
import type { TrustLevel } from "../trust-levels";
import type { HttpCall } from "./http";
import { decideGuardrails, type GuardrailDecision, type GuardrailPolicy } from "./policy";
import { scanCommand, scanHttp, scanJson, scanSql } from "./scan";

export type GuardrailSubject =
  | { kind: "command"; command: string }
  | { kind: "sql"; sql: string }
  | { kind: "http"; method: string; url: string; body?: string | null; contentType?: string | null }
  | { kind: "json"; json: unknown };

export function scanSubject(subject: GuardrailSubject) {
  switch (subject.kind) {
    case "command":
      return scanCommand(subject.command);
    case "sql":
      return scanSql(subject.sql);
    case "http": {
      const call: HttpCall = {
        method: subject.method,
        url: subject.url,
        body: subject.body ?? null,
        contentType: subject.contentType ?? null,
      };
      return scanHttp(call);
    }
    case "json":
      return scanJson(subject.json);
  }
}

export function checkGuardrails(subject: GuardrailSubject, policy: GuardrailPolicy, trustLevel: TrustLevel | null): GuardrailDecision {
  return decideGuardrails(scanSubject(subject), policy, trustLevel);
}

export {
  DEFAULT_GUARDRAIL_POLICY,
  GuardrailActionSchema,
  GuardrailPolicySchema,
  decideGuardrails,
  type GuardrailAction,
  type GuardrailDecision,
  type GuardrailPolicy,
} from "./policy";
export { PACKS, RULES, type Finding, type Pack, type RuleId, type Severity } from "./registry";
export { scanCommand, scanHttp, scanJson, scanSql } from "./scan";
