import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { PLANS } from "@shared/plans";
import { QueryState } from "@/components/query-state";
import { Badge, IdValue, PageHeader, Table, TBody, Td, Th, THead, Tr } from "@/components/ui";
import { formatDate } from "@/lib/format";
import { operatorTenantsQuery } from "@/lib/queries";

export function OperatorTenantsScreen() {
  const tenants = useQuery(operatorTenantsQuery);
  return (
    <>
      <PageHeader
        title="All tenants"
        description="Every tenant on the platform, deleted ones included, with their sizes."
        eyebrow="Operator console"
      />
      <QueryState query={tenants} loadingLabel="Loading tenants…" empty={{ title: "No tenants yet" }}>
        {(list) => (
          <Table caption="All tenants">
            <THead>
              <Tr>
                <Th>Tenant</Th>
                <Th>Plan</Th>
                <Th className="text-right">Members</Th>
                <Th className="text-right">Agents</Th>
                <Th className="text-right">Teams</Th>
                <Th>Created</Th>
                <Th>Status</Th>
              </Tr>
            </THead>
            <TBody>
              {list.map((t) => (
                <Tr key={t.id} className={t.deletedAt ? "bg-zinc-50" : undefined}>
                  <Td>
                    <Link
                      to="/operator/tenants/$tenantId"
                      params={{ tenantId: t.id }}
                      className="font-medium text-indigo-700 underline-offset-2 hover:underline"
                    >
                      {t.name}
                    </Link>
                    <div className="text-zinc-600">
                      <IdValue id={t.id} label={`tenant ID of ${t.name}`} />
                    </div>
                  </Td>
                  <Td>{PLANS[t.plan].name}</Td>
                  <Td className="text-right tabular-nums">{t.counts.members}</Td>
                  <Td className="text-right tabular-nums">{t.counts.agents}</Td>
                  <Td className="text-right tabular-nums">{t.counts.teams}</Td>
                  <Td className="whitespace-nowrap text-zinc-700">{formatDate(t.createdAt)}</Td>
                  <Td>
                    {t.deletedAt ? <Badge tone="danger">Deleted {formatDate(t.deletedAt)}</Badge> : <Badge tone="success">Active</Badge>}
                  </Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
      </QueryState>
    </>
  );
}
