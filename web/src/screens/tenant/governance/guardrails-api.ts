/** The Guardrails screen's one API call, typed by the API's own zod schemas (workers/shared/schemas/guardrails.ts). */
import type { GuardrailPolicy } from "@shared/guardrails/policy";
import type { TenantGuardrailCheck, TenantGuardrailCheckInput } from "@shared/schemas/guardrails";
import { api } from "@/lib/api";
import { tenantPath } from "@/lib/queries";

export type { GuardrailPolicy, TenantGuardrailCheck };

/** Not audited: a person trying the policy is not an agent acting (docs/governance.md). */
export const testGuardrails = (tenantId: string, input: TenantGuardrailCheckInput) =>
  api.post<TenantGuardrailCheck>(`${tenantPath(tenantId)}/guardrails/check`, input);
