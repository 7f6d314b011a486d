/**
 * The live approvals socket (`GET /v1/tenants/{tenantId}/approvals/live`), the alerts inbox's
 * pattern (alerts-live.ts): the dashboard's reconnecting LiveSocket; each `{ type: "approval" }`
 * frame is upserted into the cached lists; every (re)connect refetches them, since frames are never
 * replayed. Only the inbox uses it, so the socket lives as long as the screen.
 */
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { ApprovalFrameSchema } from "@shared/schemas/approvals";
import { api } from "@/lib/api";
import { LiveSocket, useLiveStatus, type LiveStatus } from "@/lib/live-socket";
import { tenantPath } from "@/lib/queries";
import { approvalKeys, approvalsLivePath, type Approval, type ApprovalTab } from "./approvals-api";

const FATAL_CODES = new Set(["unauthenticated", "forbidden", "not_found", "mfa_required"]);

/** Puts an approval into every cached list it belongs to (pending: only while pending), newest first. */
export function upsertApproval(queryClient: QueryClient, tenantId: string, approval: Approval): void {
  for (const [key, list] of queryClient.getQueriesData<Approval[]>({ queryKey: [...approvalKeys.all(tenantId), "list"] })) {
    if (!list) continue;
    const tab = key[key.length - 1] as ApprovalTab;
    const belongs = tab === "all" || approval.status === "pending";
    const at = list.findIndex((a) => a.id === approval.id);
    const without = list.filter((a) => a.id !== approval.id);
    if (!belongs) queryClient.setQueryData<Approval[]>(key, without);
    else if (at >= 0)
      queryClient.setQueryData<Approval[]>(
        key,
        list.map((a) => (a.id === approval.id ? approval : a)),
      );
    else queryClient.setQueryData<Approval[]>(key, [approval, ...without]);
  }
}

export function useApprovalsLive(tenantId: string): LiveStatus {
  const queryClient = useQueryClient();
  const [socket, setSocket] = useState<LiveSocket | null>(null);
  useEffect(() => {
    const live: LiveSocket = new LiveSocket({
      url: approvalsLivePath(tenantId),
      onOpen: () => void queryClient.invalidateQueries({ queryKey: [...approvalKeys.all(tenantId), "list"] }),
      onMessage: (data) => {
        let json: unknown;
        try {
          json = JSON.parse(data);
        } catch {
          return;
        }
        const frame = ApprovalFrameSchema.safeParse(json);
        if (!frame.success) return;
        if (frame.data.type === "approval") upsertApproval(queryClient, tenantId, frame.data.approval);
        else if (FATAL_CODES.has(frame.data.code)) live.stop(frame.data.message);
      },
      probe: () => api.get(`${tenantPath(tenantId)}/approvals`, { limit: 1 }),
    });
    setSocket(live);
    return () => live.dispose();
  }, [tenantId, queryClient]);
  return useLiveStatus(socket);
}
