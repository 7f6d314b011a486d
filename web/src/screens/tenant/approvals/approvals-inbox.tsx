import { useQuery, useQueryClient } from "@tanstack/react-query";
import { CheckCircle2, Inbox } from "lucide-react";
import { useState } from "react";
import { useTenant } from "@/components/layout/tenant-context";
import { QueryState } from "@/components/query-state";
import { PageHeader, Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui";
import { LiveIndicator } from "../alerts/live-indicator";
import { ApprovalCard, type Decide } from "./approval-card";
import { APPROVAL_TABS, approvalKeys, approvalsApi, approvalsQuery, type ApprovalTab } from "./approvals-api";
import { upsertApproval, useApprovalsLive } from "./approvals-live";

const TAB_LABELS: Record<ApprovalTab, string> = { pending: "Waiting for a decision", all: "All" };
const EMPTY: Record<ApprovalTab, { title: string; description: string }> = {
  pending: {
    title: "Nothing waiting",
    description: "Egress calls, guarded relay messages and supervised pairs' messages appear here the moment an agent asks.",
  },
  all: { title: "No approvals yet", description: "Every approval, decided or not, is kept here." },
};

/** /t/$tenantId/approvals: operations waiting for a person, approve or deny with a reason, updated live. */
export function ApprovalsInboxScreen() {
  const { tenantId, can } = useTenant();
  const [tab, setTab] = useState<ApprovalTab>("pending");
  const live = useApprovalsLive(tenantId);
  return (
    <>
      <PageHeader
        title="Approvals"
        description="Operations your guardrail policy, trust levels or supervised pairs hold for a person. Unanswered ones expire after 15 minutes."
        actions={<LiveIndicator live={live} liveText="Live: new requests appear here as agents ask" />}
      />
      {!can("approvals:decide") && (
        <p className="-mt-2 mb-4 text-sm text-zinc-600">Owners and admins approve or deny; you can follow requests here.</p>
      )}
      <Tabs value={tab} onValueChange={(v) => setTab(v as ApprovalTab)}>
        <TabsList aria-label="Approval status">
          {APPROVAL_TABS.map((t) => (
            <TabsTrigger key={t} value={t}>
              {TAB_LABELS[t]}
            </TabsTrigger>
          ))}
        </TabsList>
        {APPROVAL_TABS.map((t) => (
          <TabsContent key={t} value={t}>
            <ApprovalList tab={t} />
          </TabsContent>
        ))}
      </Tabs>
    </>
  );
}

function ApprovalList({ tab }: { tab: ApprovalTab }) {
  const { tenantId, can } = useTenant();
  const queryClient = useQueryClient();
  const approvals = useQuery(approvalsQuery(tenantId, tab));
  const decide: Decide | undefined = can("approvals:decide")
    ? async (approvalId, decision, reason) => {
        try {
          const { approval } = await approvalsApi.decide(tenantId, approvalId, decision, reason);
          upsertApproval(queryClient, tenantId, approval);
        } finally {
          // Decided elsewhere meanwhile (409): the lists show what is true now.
          await queryClient.invalidateQueries({ queryKey: [...approvalKeys.all(tenantId), "list"] });
        }
      }
    : undefined;
  return (
    <QueryState
      query={approvals}
      loadingLabel="Loading approvals…"
      empty={{ ...EMPTY[tab], icon: tab === "pending" ? <CheckCircle2 className="size-8" /> : <Inbox className="size-8" /> }}
    >
      {(list) => (
        <ul aria-label={TAB_LABELS[tab]} className="space-y-3">
          {list.map((a) => (
            <ApprovalCard key={a.id} approval={a} decide={decide} />
          ))}
        </ul>
      )}
    </QueryState>
  );
}
