/**
 * Billing (docs/billing.md): the plan and its subscription, upgrade through Stripe Checkout, the
 * Customer Portal, usage this month against the plan's allowances with a 6-month chart, resource
 * limits, budgets and invoices. Everyone reads it; owners and admins (`billing:write`) buy and set
 * budgets. The plan only changes when Stripe's events arrive, so after Checkout the screen polls.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useSearch } from "@tanstack/react-router";
import { useState } from "react";
import { Bar, BarChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { PLAN_IDS, PLANS, type PlanId } from "@shared/plans";
import { USAGE_KIND_IDS, USAGE_KINDS, type UsageKind } from "@shared/billing/usage-kinds";
import { useTenant } from "@/components/layout/tenant-context";
import { QueryState } from "@/components/query-state";
import { Alert, Badge, Button, CardSection, PageHeader, Select, Table, TBody, Td, Th, THead, Tr } from "@/components/ui";
import { api } from "@/lib/api";
import { formatDate, humanize } from "@/lib/format";
import { tenantPath } from "@/lib/queries";
import { BudgetsSection } from "./budgets-section";
import { billingOverviewQuery, invoicesQuery, usageHistoryQuery, type BillingOverview } from "./billing-queries";

const number = new Intl.NumberFormat("en-US");
const money = (cents: number | null) =>
  cents === null ? "by contract" : `$${(cents / 100).toLocaleString("en-US", { minimumFractionDigits: cents % 100 ? 2 : 0 })}`;
const STATE_TONE = { ok: "success", soft_exceeded: "warning", hard_exceeded: "danger" } as const;
const STATE_LABEL = { ok: "Within limits", soft_exceeded: "Soft cap reached", hard_exceeded: "Hard cap reached" } as const;

export function BillingScreen() {
  const { tenantId, can } = useTenant();
  const { checkout } = useSearch({ strict: false }) as { checkout?: string };
  // After paying, Stripe's events change the plan within seconds: poll until a subscription shows.
  const overview = useQuery({
    ...billingOverviewQuery(tenantId),
    refetchInterval: (q) => (checkout === "success" && !q.state.data?.subscription ? 2000 : false),
  });
  return (
    <>
      <PageHeader title="Billing" description="Your plan, what this tenant used this month, and the budgets that alert or stop usage." />
      {checkout === "success" && (
        <Alert tone="success" className="mb-4" title="Payment received">
          The plan changes as soon as Stripe confirms the subscription, usually within seconds.
        </Alert>
      )}
      {checkout === "canceled" && (
        <Alert tone="info" className="mb-4">
          Checkout was canceled; nothing changed.
        </Alert>
      )}
      <QueryState query={overview} loadingLabel="Loading billing…" isEmpty={() => false}>
        {(data) => (
          <div className="space-y-6">
            <BillingAlerts alerts={data.alerts} />
            <PlanSection data={data} canWrite={can("billing:write")} />
            <UsageSection data={data} />
            <LimitsSection data={data} />
            <BudgetsSection />
            {can("billing:write") && data.configured && data.customer && <InvoicesSection />}
          </div>
        )}
      </QueryState>
    </>
  );
}

/** The over-budget and payment banners (the same list the API computes for every screen that wants it). */
export function BillingAlerts({ alerts }: { alerts: BillingOverview["alerts"] }) {
  if (alerts.length === 0) return null;
  return (
    <div className="space-y-2">
      {alerts.map((a) => (
        <Alert key={a.code} tone={a.code === "budget_hard_exceeded" || a.code === "past_due" ? "danger" : "warning"}>
          {a.message}
        </Alert>
      ))}
    </div>
  );
}

function PlanSection({ data, canWrite }: { data: BillingOverview; canWrite: boolean }) {
  const { tenantId } = useTenant();
  const queryClient = useQueryClient();
  const go = useMutation({
    mutationFn: (action: { kind: "checkout" | "plan"; plan: PlanId } | { kind: "portal" }) =>
      action.kind === "portal"
        ? api.post<{ url: string }>(`${tenantPath(tenantId)}/billing/portal`)
        : action.kind === "checkout"
          ? api.post<{ url: string }>(`${tenantPath(tenantId)}/billing/checkout`, { plan: action.plan })
          : api.post<{ url?: string }>(`${tenantPath(tenantId)}/billing/plan`, { plan: action.plan }),
    onSuccess: (res) => {
      if (res.url) return window.location.assign(res.url);
      // A plan change answers 202: the plan follows Stripe's event, seconds later.
      for (const ms of [2000, 5000, 10_000])
        setTimeout(() => void queryClient.invalidateQueries({ queryKey: billingOverviewQuery(tenantId).queryKey }), ms);
    },
  });
  const sub = data.subscription;
  const paying = sub !== null && ["active", "trialing", "past_due"].includes(sub.status);
  const plan = PLANS[data.plan];
  const choices = PLAN_IDS.filter((p) => PLANS[p].selfServe && p !== data.plan);
  return (
    <CardSection
      title={`${plan.name} plan`}
      description={`${money(plan.priceCents)}${plan.priceCents ? " a month" : ""} · usage month ${data.period} (UTC)`}
      actions={
        canWrite && data.configured ? (
          <>
            {choices.map((p) => (
              <Button
                key={p}
                variant={paying ? "secondary" : "primary"}
                pending={go.isPending && go.variables?.kind !== "portal" && go.variables?.plan === p}
                onClick={() => go.mutate({ kind: paying ? "plan" : "checkout", plan: p })}
              >
                {paying ? `Switch to ${PLANS[p].name}` : `Upgrade to ${PLANS[p].name}`}
              </Button>
            ))}
            {data.customer && (
              <Button
                variant="secondary"
                pending={go.isPending && go.variables?.kind === "portal"}
                onClick={() => go.mutate({ kind: "portal" })}
              >
                Manage billing
              </Button>
            )}
          </>
        ) : undefined
      }
    >
      <dl className="grid gap-4 text-sm sm:grid-cols-3">
        <div>
          <dt className="text-zinc-600">Subscription</dt>
          <dd className="mt-1 font-medium">
            {sub ? (
              <Badge tone={paying ? (sub.status === "past_due" ? "warning" : "success") : "neutral"}>{humanize(sub.status)}</Badge>
            ) : (
              "None (free plan)"
            )}
          </dd>
        </div>
        <div>
          <dt className="text-zinc-600">{sub?.cancelAtPeriodEnd ? "Ends" : "Renews"}</dt>
          <dd className="mt-1 font-medium">{sub?.currentPeriodEnd ? formatDate(sub.currentPeriodEnd) : "—"}</dd>
        </div>
        <div>
          <dt className="text-zinc-600">Overage so far</dt>
          <dd className="mt-1 font-medium">{money(Math.round(data.spendCents))}</dd>
        </div>
      </dl>
      {!data.configured && (
        <Alert tone="info" className="mt-4">
          Billing through Stripe is not set up on this deployment: the plan is set by the platform operator (docs/deploy.md, "Stripe").
        </Alert>
      )}
      {data.configured && !canWrite && <p className="mt-4 text-sm text-zinc-600">Owners and admins change the plan and payment details.</p>}
      {go.isSuccess && go.variables?.kind === "plan" && (
        <Alert tone="info" className="mt-4">
          Plan change requested: it shows here as soon as Stripe confirms it (prorated on the next invoice).
        </Alert>
      )}
      {go.error && (
        <Alert tone="danger" className="mt-4">
          {go.error.message}
        </Alert>
      )}
    </CardSection>
  );
}

function UsageSection({ data }: { data: BillingOverview }) {
  const { tenantId } = useTenant();
  const history = useQuery(usageHistoryQuery(tenantId));
  const [kind, setKind] = useState<UsageKind>("relay_messages");
  const line = data.usage.find((u) => u.kind === kind);
  const months = (history.data?.months ?? []).filter((m) => m.kind === kind).map((m) => ({ period: m.period, used: m.used }));
  return (
    <CardSection title="Usage this month" description="Counted per tenant and agent; reported to Stripe for paid plans (docs/billing.md).">
      <Table caption="Usage this month against the plan">
        <THead>
          <Tr>
            <Th>Usage</Th>
            <Th>Used</Th>
            <Th>Included</Th>
            <Th>Beyond that</Th>
            <Th>State</Th>
          </Tr>
        </THead>
        <TBody>
          {data.usage.map((u) => (
            <Tr key={u.kind}>
              <Td className="font-medium">{USAGE_KINDS[u.kind].label}</Td>
              <Td>
                <span className="tabular-nums">{number.format(u.used)}</span>
                {u.included !== null && u.included > 0 && (
                  <span className="mt-1 block h-1.5 w-32 overflow-hidden rounded bg-zinc-100" aria-hidden="true">
                    <span
                      className={`block h-full ${u.used >= u.included ? "bg-red-500" : "bg-indigo-500"}`}
                      style={{ width: `${Math.min(100, (u.used / u.included) * 100)}%` }}
                    />
                  </span>
                )}
              </Td>
              <Td className="tabular-nums">{u.included === null ? "Unlimited" : number.format(u.included)}</Td>
              <Td>
                {u.overageCentsPer1000 === null
                  ? u.included === null
                    ? "—"
                    : "Stops (hard cap)"
                  : `${money(u.overageCentsPer1000)} per 1,000`}
              </Td>
              <Td>
                <Badge tone={STATE_TONE[u.state]}>{STATE_LABEL[u.state]}</Badge>
              </Td>
            </Tr>
          ))}
        </TBody>
      </Table>
      <div className="mt-6 flex items-center justify-between gap-4">
        <h3 className="text-sm font-semibold text-zinc-900">Last 6 months</h3>
        <label className="flex items-center gap-2 text-sm text-zinc-700">
          Show
          <Select className="w-48" value={kind} onChange={(e) => setKind(e.target.value as UsageKind)}>
            {USAGE_KIND_IDS.map((k) => (
              <option key={k} value={k}>
                {USAGE_KINDS[k].label}
              </option>
            ))}
          </Select>
        </label>
      </div>
      <div
        className="mt-2 h-56"
        role="img"
        aria-label={`${USAGE_KINDS[kind].label} per month: ${months.map((m) => `${m.period} ${m.used}`).join(", ") || "no usage yet"}`}
      >
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={months} margin={{ top: 8, right: 8, bottom: 0, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="period" tick={{ fontSize: 12 }} />
            <YAxis allowDecimals={false} tick={{ fontSize: 12 }} width={56} />
            <Tooltip formatter={(v) => number.format(Number(v))} />
            {line?.included != null && (
              <ReferenceLine
                y={line.included}
                stroke="#dc2626"
                strokeDasharray="4 4"
                label={{ value: "included", fontSize: 11, fill: "#b91c1c", position: "insideTopRight" }}
              />
            )}
            <Bar dataKey="used" name={USAGE_KINDS[kind].label} fill="#4f46e5" radius={[3, 3, 0, 0]} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </CardSection>
  );
}

function LimitsSection({ data }: { data: BillingOverview }) {
  return (
    <CardSection
      title="Plan limits"
      description="After a downgrade nothing is removed; new ones are refused until you are under the limit."
    >
      <dl className="grid gap-4 text-sm sm:grid-cols-3">
        {data.limits.map((l) => (
          <div key={l.limit}>
            <dt className="text-zinc-600">{humanize(l.limit)}</dt>
            <dd className={`mt-1 font-medium tabular-nums ${l.max !== null && l.used > l.max ? "text-red-700" : ""}`}>
              {l.used} of {l.max ?? "unlimited"}
            </dd>
          </div>
        ))}
      </dl>
    </CardSection>
  );
}

function InvoicesSection() {
  const { tenantId } = useTenant();
  const invoices = useQuery(invoicesQuery(tenantId));
  return (
    <CardSection title="Invoices" description="From Stripe; the Customer Portal has them all.">
      <QueryState query={invoices} loadingLabel="Loading invoices…" empty={{ title: "No invoices yet" }}>
        {(list) => (
          <Table caption="Invoices">
            <THead>
              <Tr>
                <Th>Invoice</Th>
                <Th>Date</Th>
                <Th>Amount</Th>
                <Th>Status</Th>
              </Tr>
            </THead>
            <TBody>
              {list.map((i) => (
                <Tr key={i.id}>
                  <Td>
                    {i.hostedInvoiceUrl ? (
                      <a className="text-indigo-700 underline" href={i.hostedInvoiceUrl} target="_blank" rel="noreferrer">
                        {i.number ?? i.id}
                      </a>
                    ) : (
                      (i.number ?? i.id)
                    )}
                  </Td>
                  <Td>{formatDate(i.createdAt)}</Td>
                  <Td className="tabular-nums">{`${(i.amountDueCents / 100).toFixed(2)} ${i.currency.toUpperCase()}`}</Td>
                  <Td>{i.status ? humanize(i.status) : "—"}</Td>
                </Tr>
              ))}
            </TBody>
          </Table>
        )}
      </QueryState>
    </CardSection>
  );
}
