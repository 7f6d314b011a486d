/**
 * What the approvals inbox asks the API (docs/governance.md#approvals): query keys, the list, and
 * the decisions. Shapes are the API's own (workers/shared/schemas/approvals.ts).
 */
import { queryOptions } from "@tanstack/react-query";
import type { Approval, ApprovalStatus } from "@shared/schemas/approvals";
import { api } from "@/lib/api";
import { tenantPath } from "@/lib/queries";

export type { Approval, ApprovalStatus };

/** The inbox's tabs: what waits for a decision, and everything (newest first). */
export const APPROVAL_TABS = ["pending", "all"] as const;
export type ApprovalTab = (typeof APPROVAL_TABS)[number];

const approvalsKey = (tenantId: string) => ["tenant", tenantId, "approvals"] as const;
export const approvalKeys = {
  all: approvalsKey,
  list: (tenantId: string, tab: ApprovalTab) => [...approvalsKey(tenantId), "list", tab] as const,
};

export const approvalsQuery = (tenantId: string, tab: ApprovalTab) =>
  queryOptions({
    queryKey: approvalKeys.list(tenantId, tab),
    queryFn: () =>
      api
        .get<{ data: Approval[] }>(`${tenantPath(tenantId)}/approvals`, { ...(tab === "pending" ? { status: "pending" } : {}), limit: 100 })
        .then((r) => r.data),
  });

export const approvalsApi = {
  decide: (tenantId: string, approvalId: string, decision: "approve" | "deny", reason: string | undefined) =>
    api.post<{ approval: Approval }>(
      `${tenantPath(tenantId)}/approvals/${encodeURIComponent(approvalId)}/${decision}`,
      reason ? { reason } : {},
    ),
};

export const approvalsLivePath = (tenantId: string) => `${tenantPath(tenantId)}/approvals/live`;
