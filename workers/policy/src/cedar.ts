/**
 * Cedar, loaded once per isolate, and the tenant policy sets this isolate has pre-parsed.
 *
 * Loading (docs/decisions.md, STACK.md): the package's `/web` build with `initSync` and the `.wasm`
 * imported by a relative path. The default entry crashes in workerd (`__wbindgen_start is not a
 * function`) and the package's own `…/web/cedar_wasm_bg.wasm` subpath is not exported to vitest.
 *
 * Cache: Cedar keeps pre-parsed sets in the isolate by id and has no way to drop one, so each
 * tenant gets ONE slot (`t:<tenantId>`), overwritten when a newer version arrives: memory grows
 * with the tenants this isolate serves, not with their versions. A decision on a pre-parsed set
 * costs ~0.05 ms (bench/policy.mjs) against ~0.2 ms parsing each time.
 */
import {
  type AuthorizationAnswer,
  type DetailedError,
  initSync,
  policySetTextToParts,
  preparsePolicySet,
  preparseSchema,
  statefulIsAuthorized,
  validate,
} from "@cedar-policy/cedar-wasm/web";
import { CEDAR_SCHEMA } from "../../shared/policy/schema";
import { toCedarRequest, type PolicyDecision, type PolicyRequest } from "../../shared/policy/request";
// @ts-expect-error: the package's .wasm.d.ts types the instance's exports; wrangler and the test bundle hand over the compiled module as the default export.
import wasmModule from "../../../node_modules/@cedar-policy/cedar-wasm/web/cedar_wasm_bg.wasm";

const SCHEMA_NAME = "switchboard";
let ready = false;

function load(): void {
  if (ready) return;
  initSync({ module: wasmModule as WebAssembly.Module });
  const schema = preparseSchema(SCHEMA_NAME, CEDAR_SCHEMA);
  if (schema.type !== "success") throw new Error(`the Cedar schema does not parse: ${describe(schema.errors).join("; ")}`);
  ready = true;
}

export interface PolicyIssue {
  message: string;
  help: string | null;
  /** The policy the issue is in (`policy0`, `policy1`… in source order), when Cedar names one. */
  policyId: string | null;
  /** Character offsets in the submitted text, when Cedar gives them. */
  offset: { start: number; end: number } | null;
}

export type Validation = { ok: true; policies: number } | { ok: false; errors: PolicyIssue[] };

/** Parse and validate a policy set against the schema (strict mode): what saving requires. */
export function validatePolicySet(text: string): Validation {
  load();
  const answer = validate({ schema: CEDAR_SCHEMA, policies: { staticPolicies: text }, validationSettings: { mode: "strict" } });
  if (answer.type === "failure") return { ok: false, errors: answer.errors.map((e) => issue(e, null)) };
  if (answer.validationErrors.length > 0) return { ok: false, errors: answer.validationErrors.map((e) => issue(e.error, e.policyId)) };
  // The count is shown: an empty set validates, and denies everything.
  const parts = policySetTextToParts(text);
  return { ok: true, policies: parts.type === "success" ? parts.policies.length : 0 };
}

/** Which version of each tenant's set sits in its slot. */
const loaded = new Map<string, number>();

/** A tenant's set is in this isolate at `version` (or not: the caller resends with the text). */
export function hasVersion(tenantId: string, version: number): boolean {
  return loaded.get(tenantId) === version;
}

export function installVersion(tenantId: string, version: number, text: string): PolicyIssue[] | null {
  load();
  const answer = preparsePolicySet(slot(tenantId), { staticPolicies: text });
  if (answer.type !== "success") {
    loaded.delete(tenantId);
    return answer.errors.map((e) => issue(e, null));
  }
  loaded.set(tenantId, version);
  return null;
}

export function decideTenant(tenantId: string, req: PolicyRequest): PolicyDecision {
  return decideWith(slot(tenantId), req);
}

/** Evaluate many questions against a draft set (the dry-run): pre-parsed once under a scratch id. */
export function decideDraft(
  text: string,
  reqs: PolicyRequest[],
): { ok: true; decisions: PolicyDecision[] } | { ok: false; errors: PolicyIssue[] } {
  const valid = validatePolicySet(text);
  if (!valid.ok) return valid;
  // No await between parsing and the last decision: nothing else runs in this isolate meanwhile.
  const parsed = preparsePolicySet("draft", { staticPolicies: text });
  if (parsed.type !== "success") return { ok: false, errors: parsed.errors.map((e) => issue(e, null)) };
  return { ok: true, decisions: reqs.map((r) => decideWith("draft", r)) };
}

function decideWith(psetId: string, req: PolicyRequest): PolicyDecision {
  load();
  const answer: AuthorizationAnswer = statefulIsAuthorized({ ...toCedarRequest(req), preparsedPolicySetId: psetId });
  // A request Cedar cannot evaluate is a deny: the gate fails closed.
  if (answer.type === "failure") return { decision: "deny", reasons: [], errors: describe(answer.errors) };
  return {
    decision: answer.response.decision,
    reasons: answer.response.diagnostics.reason,
    errors: answer.response.diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`),
  };
}

const slot = (tenantId: string) => `t:${tenantId}`;

function issue(e: DetailedError, policyId: string | null): PolicyIssue {
  const at = e.sourceLocations?.[0];
  return { message: e.message, help: e.help, policyId, offset: at ? { start: at.start, end: at.end } : null };
}

function describe(errors: DetailedError[]): string[] {
  return errors.map((e) => e.message);
}
