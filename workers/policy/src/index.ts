/**
 * The policy Worker: Cedar behind a service binding (docs/governance.md "Policies as code
 * (Cedar)"). The API Worker and its EgressGate call `PolicyService` over RPC; nothing here reads
 * storage: the caller names the tenant's policy version and sends its text only when this isolate
 * answers `unknown_policy` (a cold isolate, or a new version), so a warm decision carries no text.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { PolicyDecision, PolicyRequest } from "../../shared/policy/request";
import { decideDraft, decideTenant, hasVersion, installVersion, type PolicyIssue, type Validation, validatePolicySet } from "./cedar";

export type { PolicyIssue, Validation };

/** Which policy set to decide with: the tenant's `version`, with its `text` when the isolate asked for it. */
export interface PolicyRef {
  version: number;
  text?: string;
}

export type AuthorizeAnswer = PolicyDecision | { decision: "unknown_policy" } | { decision: "invalid_policy"; errors: PolicyIssue[] };
export type DryRunAnswer = { ok: true; decisions: PolicyDecision[] } | { ok: false; errors: PolicyIssue[] };

export class PolicyService extends WorkerEntrypoint {
  /** Parse and validate against the schema: the save gate (422 with Cedar's messages). */
  async validate(text: string): Promise<Validation> {
    return validatePolicySet(text);
  }

  /** One decision with the tenant's pre-parsed set; `unknown_policy` asks the caller to resend with the text. */
  async authorize(tenantId: string, ref: PolicyRef, request: PolicyRequest): Promise<AuthorizeAnswer> {
    if (!hasVersion(tenantId, ref.version)) {
      if (ref.text === undefined) return { decision: "unknown_policy" };
      const errors = installVersion(tenantId, ref.version, ref.text);
      if (errors) return { decision: "invalid_policy", errors };
    }
    return decideTenant(tenantId, request);
  }

  /** Many questions against a draft set, without installing it anywhere (the dry-run). */
  async dryRun(text: string, requests: PolicyRequest[]): Promise<DryRunAnswer> {
    return decideDraft(text, requests);
  }
}

export default {
  async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/health") return Response.json({ ok: true, service: "switchboard-policy" });
    return Response.json(
      { error: { code: "not_found", message: "The policy Worker answers over its service binding only." } },
      { status: 404 },
    );
  },
} satisfies ExportedHandler;
