import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "@tanstack/react-router";
import type { ReactNode } from "react";
import { PLANS } from "@shared/plans";
import { trustLevelInfo } from "@shared/trust-levels";
import { QueryState } from "@/components/query-state";
import { RoleBadge } from "@/components/status-badges";
import {
  Badge,
  CardSection,
  EmptyState,
  IdValue,
  PageHeader,
  Table,
  TBody,
  Td,
  Th,
  THead,
  Tr,
  Tabs,
  TabsContent,
  TabsList,
  TabsTrigger,
} from "@/components/ui";
import { formatDate, formatDateTime } from "@/lib/format";
import { operatorTenantQuery } from "@/lib/queries";
import type { OperatorTenantDetail } from "@/lib/types";

export function OperatorTenantScreen() {
  const { tenantId } = useParams({ from: "/app/operator/tenants/$tenantId" });
  const detail = useQuery(operatorTenantQuery(tenantId));
  return (
    <QueryState query={detail} loadingLabel="Loading tenant…">
      {(d) => <Detail detail={d} />}
    </QueryState>
  );
}

function Detail({ detail: { tenant, members } }: { detail: OperatorTenantDetail }) {
  const plan = PLANS[tenant.plan];
  const limit = (n: number | null) => (n === null ? "unlimited" : String(n));
  return (
    <>
      <PageHeader
        eyebrow={
          <Link to="/operator" className="text-indigo-700 underline-offset-2 hover:underline">
            ← All tenants
          </Link>
        }
        title={
          <span className="flex flex-wrap items-center gap-3">
            {tenant.name} {tenant.deletedAt ? <Badge tone="danger">Deleted</Badge> : <Badge tone="success">Active</Badge>}
          </span>
        }
        description={<IdValue id={tenant.id} label="tenant ID" />}
      />
      <Tabs defaultValue="overview">
        <TabsList aria-label="Tenant details">
          <TabsTrigger value="overview">Overview</TabsTrigger>
          <TabsTrigger value="members">Members ({members.length})</TabsTrigger>
        </TabsList>
        <TabsContent value="overview">
          <div className="grid gap-6 lg:grid-cols-2">
            <CardSection title="Usage against plan">
              <dl className="space-y-3 text-sm">
                <Row label="Plan">{plan.name}</Row>
                <Row label="Members">
                  {tenant.counts.members} of {limit(plan.limits.members)}
                </Row>
                <Row label="Agents">
                  {tenant.counts.agents} of {limit(plan.limits.agents)}
                </Row>
                <Row label="Teams">
                  {tenant.counts.teams} of {limit(plan.limits.teams)}
                </Row>
              </dl>
            </CardSection>
            <CardSection title="Configuration">
              <dl className="space-y-3 text-sm">
                <Row label="Require MFA">{tenant.config.requireMfa ? "Yes" : "No"}</Row>
                <Row label="Default trust level">
                  {tenant.config.defaultTrustLevel} · {trustLevelInfo(tenant.config.defaultTrustLevel)?.label}
                </Row>
                <Row label="Config version">{tenant.configVersion}</Row>
                <Row label="Created">{formatDateTime(tenant.createdAt)}</Row>
                <Row label="Updated">{formatDateTime(tenant.updatedAt)}</Row>
                {tenant.deletedAt && <Row label="Deleted">{formatDateTime(tenant.deletedAt)}</Row>}
              </dl>
            </CardSection>
          </div>
        </TabsContent>
        <TabsContent value="members">
          {members.length === 0 ? (
            <EmptyState title="No members" description="Every member has left this tenant." />
          ) : (
            <Table caption="Members">
              <THead>
                <Tr>
                  <Th>Name</Th>
                  <Th>Email</Th>
                  <Th>Role</Th>
                  <Th>Joined</Th>
                </Tr>
              </THead>
              <TBody>
                {members.map((m) => (
                  <Tr key={m.userId}>
                    <Td className="font-medium">{m.name}</Td>
                    <Td className="text-zinc-700">{m.email}</Td>
                    <Td>
                      <RoleBadge role={m.role} />
                    </Td>
                    <Td className="whitespace-nowrap text-zinc-700">{formatDate(m.joinedAt)}</Td>
                  </Tr>
                ))}
              </TBody>
            </Table>
          )}
        </TabsContent>
      </Tabs>
    </>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid grid-cols-2 gap-4">
      <dt className="font-medium text-zinc-700">{label}</dt>
      <dd className="text-zinc-900">{children}</dd>
    </div>
  );
}
