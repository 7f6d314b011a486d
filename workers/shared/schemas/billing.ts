/**
 * Billing shapes (docs/billing.md): the tenant's plan and subscription, usage this month against
 * the plan and budgets, Checkout and Portal sessions, invoices, budgets. Browser-safe (zod only).
 */
import { z } from "zod";
import { PlanIdSchema } from "../plans";
import { UsageKindSchema, USAGE_KIND_IDS } from "../billing/usage-kinds";
import { IsoTimeSchema } from "./common";

export const BudgetMetricSchema = z
  .enum([...USAGE_KIND_IDS, "spend"])
  .meta({ id: "BudgetMetric", description: "A usage kind (units) or `spend` (cents, see docs/billing.md)." });
export type BudgetMetric = z.infer<typeof BudgetMetricSchema>;

export const SUBSCRIPTION_STATUSES = [
  "incomplete",
  "incomplete_expired",
  "trialing",
  "active",
  "past_due",
  "canceled",
  "unpaid",
  "paused",
] as const;
export const SubscriptionStatusSchema = z.enum(SUBSCRIPTION_STATUSES).meta({ id: "SubscriptionStatus" });
export type SubscriptionStatus = z.infer<typeof SubscriptionStatusSchema>;

const BudgetStateSchema = z.enum(["ok", "soft_exceeded", "hard_exceeded"]).meta({ id: "BudgetState" });

export const LimitStateSchema = z
  .object({
    source: z.enum(["plan", "budget"]),
    budgetId: z.string().nullable(),
    scope: z.enum(["tenant", "agent"]),
    metric: BudgetMetricSchema,
    used: z.number().meta({ description: "Units this month, or cents for `spend`." }),
    soft: z.number().nullable(),
    hard: z.number().nullable(),
    state: BudgetStateSchema,
  })
  .meta({ id: "LimitState" });

export const BudgetCheckSchema = z
  .object({ decision: BudgetStateSchema, kind: UsageKindSchema, agentId: z.string().nullable(), limits: z.array(LimitStateSchema) })
  .meta({ id: "BudgetCheck" });

const limitValue = z.number().int().min(0).max(1_000_000_000_000);

export const BudgetSchema = z
  .object({
    id: z.string(),
    agentId: z.string().nullable().meta({ description: "The agent this budget is for; null: the whole tenant." }),
    metric: BudgetMetricSchema,
    period: z.literal("month"),
    softLimit: z.number().int().nullable().meta({
      description: "Reaching it raises a `budget.soft_cap_reached` audit event (alert rules and webhooks). Units, or cents for spend.",
    }),
    hardLimit: z
      .number()
      .int()
      .nullable()
      .meta({ description: "Past it, usage is refused: 402 `budget_exceeded` over HTTP, error frame `budget_exceeded` on the relay." }),
    createdAt: IsoTimeSchema,
    updatedAt: IsoTimeSchema,
  })
  .meta({ id: "Budget" });
export type Budget = z.infer<typeof BudgetSchema>;

const bothOrdered = (v: { softLimit?: number | null; hardLimit?: number | null }) =>
  v.softLimit == null || v.hardLimit == null || v.softLimit <= v.hardLimit;

export const CreateBudgetInputSchema = z
  .object({
    agentId: z.string().min(1).max(64).nullable().default(null),
    metric: BudgetMetricSchema,
    softLimit: limitValue.nullable().default(null),
    hardLimit: limitValue.nullable().default(null),
  })
  .strict()
  .refine((v) => v.softLimit !== null || v.hardLimit !== null, { message: "Set a soft limit, a hard limit or both.", path: ["softLimit"] })
  .refine(bothOrdered, { message: "The soft limit must not be above the hard limit.", path: ["softLimit"] })
  .meta({ id: "CreateBudgetInput" });

export const UpdateBudgetInputSchema = z
  .object({ softLimit: limitValue.nullable().optional(), hardLimit: limitValue.nullable().optional() })
  .strict()
  .refine((v) => v.softLimit !== undefined || v.hardLimit !== undefined, { message: "Change the soft limit, the hard limit or both." })
  .meta({ id: "UpdateBudgetInput" });

export const UsageLineSchema = z
  .object({
    kind: UsageKindSchema,
    used: z.number().int().meta({ description: "Units this month (tenant total), as of the meter's last count." }),
    included: z.number().int().nullable().meta({ description: "What the plan includes; null: unlimited." }),
    overageCentsPer1000: z.number().nullable().meta({ description: "Price beyond `included`; null: usage stops at `included`." }),
    state: BudgetStateSchema.meta({ description: "The worst of the plan allowance and the tenant's budgets on this kind." }),
  })
  .meta({ id: "UsageLine" });

export const PlanLimitUsageSchema = z
  .object({ limit: z.enum(["agents", "teams", "members"]), used: z.number().int(), max: z.number().int().nullable() })
  .meta({ id: "PlanLimitUsage" });

export const SubscriptionSchema = z
  .object({
    id: z.string(),
    status: SubscriptionStatusSchema,
    plan: PlanIdSchema.nullable(),
    currentPeriodEnd: IsoTimeSchema.nullable(),
    cancelAtPeriodEnd: z.boolean(),
    trialEnd: IsoTimeSchema.nullable(),
  })
  .meta({ id: "Subscription" });

export const BillingOverviewSchema = z
  .object({
    plan: PlanIdSchema,
    configured: z.boolean().meta({ description: "Whether this deployment has Stripe configured (Checkout and the Portal work)." }),
    customer: z
      .boolean()
      .meta({ description: "Whether the tenant's Stripe customer exists yet (created in the background when the tenant is)." }),
    subscription: SubscriptionSchema.nullable(),
    period: z.string().meta({ description: "The usage month, `YYYY-MM` (UTC)." }),
    usage: z.array(UsageLineSchema),
    limits: z
      .array(PlanLimitUsageSchema)
      .meta({ description: "The plan's resource limits and what the tenant uses; `used > max` after a downgrade (docs/billing.md)." }),
    spendCents: z.number().meta({ description: "Estimated overage this month at the plan's prices." }),
    alerts: z
      .array(
        z.object({
          code: z.enum(["budget_soft_exceeded", "budget_hard_exceeded", "over_plan_limit", "past_due", "trial_ending", "canceling"]),
          message: z.string(),
        }),
      )
      .meta({ description: "What the dashboard's banner shows." }),
  })
  .meta({ id: "BillingOverview" });
export type BillingOverview = z.infer<typeof BillingOverviewSchema>;

export const CheckoutInputSchema = z.object({ plan: PlanIdSchema }).strict().meta({ id: "CheckoutInput" });
export const ChangePlanInputSchema = z.object({ plan: PlanIdSchema }).strict().meta({ id: "ChangePlanInput" });
export const RedirectSchema = z.object({ url: z.url() }).meta({ id: "BillingRedirect" });

export const InvoiceSchema = z
  .object({
    id: z.string(),
    number: z.string().nullable(),
    status: z.string().nullable(),
    amountDueCents: z.number().int(),
    currency: z.string(),
    createdAt: IsoTimeSchema,
    hostedInvoiceUrl: z.string().nullable(),
  })
  .meta({ id: "Invoice" });

export const UsageHistorySchema = z
  .object({
    period: z.string(),
    agents: z
      .array(z.object({ agentId: z.string(), kind: UsageKindSchema, used: z.number().int() }))
      .meta({ description: "This month's usage per agent and kind." }),
    months: z
      .array(z.object({ period: z.string(), kind: UsageKindSchema, used: z.number().int() }))
      .meta({ description: "Tenant totals of the last 6 months." }),
  })
  .meta({ id: "UsageHistory" });
