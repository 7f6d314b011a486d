/** The billing screen's API reads (docs/billing.md); types come from the API's own schemas. */
import { queryOptions } from "@tanstack/react-query";
import type { z } from "zod";
import type { BillingOverviewSchema, BudgetSchema, InvoiceSchema, LimitStateSchema, UsageHistorySchema } from "@shared/schemas/billing";
import { api } from "@/lib/api";
import { keys, tenantPath } from "@/lib/queries";

export type BillingOverview = z.infer<typeof BillingOverviewSchema>;
export type UsageHistory = z.infer<typeof UsageHistorySchema>;
export type Invoice = z.infer<typeof InvoiceSchema>;
export type BudgetWithStatus = z.infer<typeof BudgetSchema> & { status: z.infer<typeof LimitStateSchema> | null };

const billingKey = (tenantId: string) => [...keys.tenant(tenantId), "billing"] as const;

export const billingOverviewQuery = (tenantId: string) =>
  queryOptions({
    queryKey: [...billingKey(tenantId), "overview"],
    queryFn: () => api.get<BillingOverview>(`${tenantPath(tenantId)}/billing`),
  });
export const usageHistoryQuery = (tenantId: string) =>
  queryOptions({
    queryKey: [...billingKey(tenantId), "usage"],
    queryFn: () => api.get<UsageHistory>(`${tenantPath(tenantId)}/billing/usage`),
  });
export const invoicesQuery = (tenantId: string) =>
  queryOptions({
    queryKey: [...billingKey(tenantId), "invoices"],
    queryFn: () => api.get<{ data: Invoice[] }>(`${tenantPath(tenantId)}/billing/invoices`).then((r) => r.data),
  });
export const budgetsQuery = (tenantId: string) =>
  queryOptions({
    queryKey: [...billingKey(tenantId), "budgets"],
    queryFn: () => api.get<{ data: BudgetWithStatus[] }>(`${tenantPath(tenantId)}/budgets`).then((r) => r.data),
  });
