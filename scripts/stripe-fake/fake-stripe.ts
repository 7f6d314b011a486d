/**
 * A small Stripe of our own, for local development and tests (docs/billing.md, "Local Stripe").
 * No offline mock on npm covers Checkout, the Portal, subscription updates or Billing Meters
 * (shared research B3), so this implements exactly the endpoints Switchboard calls, with the
 * shapes stripe-node's own types give them (each object is a `Pick` of the real type), and sends
 * signed webhook events back (`generateTestHeaderStringAsync`), like Stripe:
 *
 *   POST /v1/customers · GET /v1/customers/:id (Idempotency-Key replays the first answer)
 *   POST /v1/checkout/sessions (→ a local "pay" page) · POST /v1/billing_portal/sessions (→ a local portal page)
 *   GET|POST|DELETE /v1/subscriptions/:id · GET /v1/invoices · GET /v1/events/:id
 *   POST|GET /v1/billing/meters · POST /v1/billing/meter_events (deduplicated by `identifier`)
 *
 * Pages for people: GET /pay/:session (a "Pay" button completes the session: subscription,
 * invoice, events) and GET /portal/:session (cancel now / at period end, invoices, back).
 * Controls for tests (`/__fake/…`): deliveries per customer, meter events, a clock to move, and
 * subscription states Stripe reaches on its own (trial end, payment failure).
 *
 * It is one class with web-standard `handle(Request) → Response`, used by vitest's outbound
 * service (test/workers/fake-oauth-providers.ts) and by the Node server `npm start` runs
 * (scripts/stripe-fake/server.ts). Deliberately not modelled: amounts, taxes, proration
 * invoices, payment methods, pagination beyond one page, API errors other than the ones used.
 */
import Stripe from "stripe";
import { PLANS, type PlanId } from "../../workers/shared/plans";
import { USAGE_KINDS, USAGE_KIND_IDS, type UsageKind } from "../../workers/shared/billing/usage-kinds";

type Customer = Pick<Stripe.Customer, "id" | "object" | "created" | "email" | "name" | "metadata" | "livemode">;
type Price = Pick<Stripe.Price, "id" | "object" | "active" | "currency" | "unit_amount" | "nickname" | "livemode" | "metadata"> & {
  product: string;
  recurring: { interval: "month"; meter: string | null; usage_type: "licensed" | "metered" };
};
type SubscriptionItem = Pick<
  Stripe.SubscriptionItem,
  "id" | "object" | "created" | "current_period_start" | "current_period_end" | "metadata" | "subscription"
> & { price: Price; quantity?: number };
type Subscription = Pick<
  Stripe.Subscription,
  "id" | "object" | "created" | "status" | "metadata" | "cancel_at_period_end" | "canceled_at" | "trial_end" | "livemode"
> & { customer: string; items: { object: "list"; data: SubscriptionItem[]; has_more: false; url: string } };
type CheckoutSession = Pick<
  Stripe.Checkout.Session,
  | "id"
  | "object"
  | "created"
  | "mode"
  | "status"
  | "payment_status"
  | "client_reference_id"
  | "metadata"
  | "success_url"
  | "cancel_url"
  | "livemode"
  | "url"
> & {
  customer: string | null;
  subscription: string | null;
  line_items_input: Array<{ price: string; quantity?: number }>;
  subscription_metadata: Record<string, string>;
  trial_period_days: number | null;
};
type PortalSession = Pick<Stripe.BillingPortal.Session, "id" | "object" | "created" | "customer" | "return_url" | "livemode" | "url">;
type Invoice = Pick<
  Stripe.Invoice,
  "id" | "object" | "created" | "status" | "number" | "amount_due" | "currency" | "hosted_invoice_url" | "livemode"
> & { customer: string; subscription: string | null };
type Meter = Pick<Stripe.Billing.Meter, "id" | "object" | "created" | "display_name" | "event_name" | "status" | "livemode">;
type MeterEvent = Pick<
  Stripe.Billing.MeterEvent,
  "object" | "created" | "event_name" | "identifier" | "payload" | "timestamp" | "livemode"
>;
type FakeEvent = Pick<Stripe.Event, "id" | "object" | "api_version" | "created" | "livemode" | "pending_webhooks" | "request"> & {
  type: string;
  data: { object: unknown; previous_attributes?: Record<string, unknown> };
};

/** A signed webhook request as Stripe would POST it. */
export interface Delivery {
  eventId: string;
  type: string;
  customer: string | null;
  payload: string;
  signature: string;
}

export interface FakeStripeOptions {
  /** The secret key the API must present (`Authorization: Bearer …`). */
  secretKey: string;
  webhookSecret: string;
  /** Where people reach the fake (pay and portal pages): its own public origin. */
  publicOrigin: string;
  /** Called for every event: the server POSTs it to the API; tests collect them instead. */
  onDelivery?: (delivery: Delivery) => void;
}

/** The state, as plain JSON (the server keeps it in a file across restarts). */
export interface FakeStripeState {
  seq: number;
  clockOffsetSeconds: number;
  customers: Record<string, Customer>;
  idempotency: Record<string, { status: number; body: unknown }>;
  sessions: Record<string, CheckoutSession>;
  portals: Record<string, PortalSession>;
  subscriptions: Record<string, Subscription>;
  invoices: Record<string, Invoice>;
  events: Record<string, FakeEvent>;
  meters: Record<string, Meter>;
  meterEvents: MeterEvent[];
  deliveries: Delivery[];
}

/** Price ids of the catalogue the fake starts with: `STRIPE_PRICES` for a stack that uses it. */
export function fakePriceIds(): Record<string, Record<string, string>> {
  const prices: Record<string, Record<string, string>> = {};
  for (const plan of ["team", "business"] as const) {
    prices[plan] = { base: `price_fake_${plan}_base` };
    for (const kind of USAGE_KIND_IDS) prices[plan]![kind] = `price_fake_${plan}_${kind}`;
  }
  return prices;
}

const API_VERSION = "2026-11-18.endive";

export class FakeStripe {
  state: FakeStripeState;
  private readonly signer = new Stripe("sk_test_fake_signer");
  private readonly prices = new Map<string, Price>();

  constructor(
    private readonly options: FakeStripeOptions,
    state?: FakeStripeState,
  ) {
    this.state = state ?? {
      seq: 0,
      clockOffsetSeconds: 0,
      customers: {},
      idempotency: {},
      sessions: {},
      portals: {},
      subscriptions: {},
      invoices: {},
      events: {},
      meters: {},
      meterEvents: [],
      deliveries: [],
    };
    for (const [plan, ids] of Object.entries(fakePriceIds())) {
      for (const [what, id] of Object.entries(ids)) {
        const kind = what === "base" ? null : (what as UsageKind);
        this.prices.set(id, {
          id,
          object: "price",
          active: true,
          currency: "usd",
          unit_amount: kind ? null : PLANS[plan as PlanId].priceCents,
          nickname: kind ? `${PLANS[plan as PlanId].name} ${USAGE_KINDS[kind].label}` : `${PLANS[plan as PlanId].name} plan`,
          livemode: false,
          metadata: { plan },
          product: `prod_fake_${plan}`,
          recurring: { interval: "month", meter: kind ? `mtr_fake_${kind}` : null, usage_type: kind ? "metered" : "licensed" },
        });
      }
    }
    for (const kind of USAGE_KIND_IDS) {
      const id = `mtr_fake_${kind}`;
      this.state.meters[id] ??= {
        id,
        object: "billing.meter",
        created: this.now(),
        display_name: USAGE_KINDS[kind].label,
        event_name: USAGE_KINDS[kind].meterEventName,
        status: "active",
        livemode: false,
      };
    }
  }

  /** Stripe's clock, in unix seconds (tests move it forward to order events). */
  now(): number {
    return Math.floor(Date.now() / 1000) + this.state.clockOffsetSeconds;
  }

  private id(prefix: string): string {
    this.state.seq += 1;
    return `${prefix}_fake${String(this.state.seq).padStart(6, "0")}${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname;
    try {
      if (path.startsWith("/__fake/")) return await this.control(request, url);
      if (path.startsWith("/pay/") || path.startsWith("/portal/")) return await this.page(request, url);
      if (!path.startsWith("/v1/")) return notFound(path);
      if (request.headers.get("authorization") !== `Bearer ${this.options.secretKey}`) {
        return stripeError(401, "invalid_request_error", "Invalid API Key provided.", "api_key_invalid");
      }
      const params =
        request.method === "GET" || request.method === "DELETE" ? Object.fromEntries(url.searchParams) : parseForm(await request.text());
      const key = request.method === "POST" ? request.headers.get("idempotency-key") : null;
      if (key && this.state.idempotency[key]) {
        const replay = this.state.idempotency[key]!;
        return Response.json(replay.body, { status: replay.status, headers: { "idempotent-replayed": "true" } });
      }
      const response = await this.api(request.method, path, params);
      if (key && response.status < 500) this.state.idempotency[key] = { status: response.status, body: await response.clone().json() };
      return response;
    } catch (error) {
      return stripeError(500, "api_error", `fake Stripe failed: ${String(error)}`);
    }
  }

  private async api(method: string, path: string, params: Record<string, any>): Promise<Response> {
    const parts = path.split("/").filter(Boolean).slice(1); // after "v1"
    const [resource, id, sub] = parts;
    if (method === "POST" && path === "/v1/customers") {
      const customer: Customer = {
        id: this.id("cus"),
        object: "customer",
        created: this.now(),
        email: params.email ?? null,
        name: params.name ?? null,
        metadata: params.metadata ?? {},
        livemode: false,
      };
      this.state.customers[customer.id] = customer;
      return Response.json(customer);
    }
    if (method === "GET" && resource === "customers" && id) return this.found(this.state.customers[id], "customer", id);
    if (method === "POST" && path === "/v1/checkout/sessions") return this.createCheckout(params as Stripe.Checkout.SessionCreateParams);
    if (method === "POST" && path === "/v1/billing_portal/sessions") {
      const input = params as Stripe.BillingPortal.SessionCreateParams;
      if (!input.customer || !this.state.customers[input.customer])
        return stripeError(400, "invalid_request_error", `No such customer: '${input.customer}'`, "resource_missing");
      const session: PortalSession = {
        id: this.id("bps"),
        object: "billing_portal.session",
        created: this.now(),
        customer: input.customer,
        return_url: input.return_url ?? null,
        livemode: false,
        url: "",
      };
      session.url = `${this.options.publicOrigin}/portal/${session.id}`;
      this.state.portals[session.id] = session;
      return Response.json(session);
    }
    if (resource === "subscriptions" && id) {
      const subscription = this.state.subscriptions[id];
      if (!subscription) return this.found(undefined, "subscription", id);
      if (method === "GET") return Response.json(subscription);
      if (method === "DELETE") return Response.json(await this.cancel(subscription));
      if (method === "POST") return Response.json(await this.updateSubscription(subscription, params as Stripe.SubscriptionUpdateParams));
    }
    if (method === "GET" && path === "/v1/invoices") {
      const data = Object.values(this.state.invoices)
        .filter((i) => !params.customer || i.customer === params.customer)
        .sort((a, b) => b.created - a.created);
      return Response.json({ object: "list", data, has_more: false, url: "/v1/invoices" });
    }
    if (method === "GET" && resource === "events" && id) return this.found(this.state.events[id], "event", id);
    if (resource === "billing" && id === "meters") {
      if (method === "GET")
        return Response.json({ object: "list", data: Object.values(this.state.meters), has_more: false, url: "/v1/billing/meters" });
      const meter: Meter = {
        id: this.id("mtr"),
        object: "billing.meter",
        created: this.now(),
        display_name: params.display_name,
        event_name: params.event_name,
        status: "active",
        livemode: false,
      };
      this.state.meters[meter.id] = meter;
      return Response.json(meter);
    }
    if (method === "POST" && resource === "billing" && id === "meter_events" && sub === undefined)
      return this.meterEvent(params as Stripe.Billing.MeterEventCreateParams);
    return notFound(path);
  }

  private found(object: unknown, what: string, id: string): Response {
    return object ? Response.json(object) : stripeError(404, "invalid_request_error", `No such ${what}: '${id}'`, "resource_missing");
  }

  private createCheckout(input: Stripe.Checkout.SessionCreateParams): Response {
    if (input.mode !== "subscription") return stripeError(400, "invalid_request_error", "This fake supports mode=subscription only.");
    if (!input.customer || !this.state.customers[input.customer])
      return stripeError(400, "invalid_request_error", `No such customer: '${input.customer}'`, "resource_missing");
    const items = (input.line_items ?? []).map((l) => ({
      price: String(l.price),
      ...(l.quantity !== undefined ? { quantity: Number(l.quantity) } : {}),
    }));
    const unknown = items.find((i) => !this.prices.has(i.price));
    if (items.length === 0 || unknown)
      return stripeError(400, "invalid_request_error", `No such price: '${unknown?.price}'`, "resource_missing");
    if (!input.success_url) return stripeError(400, "invalid_request_error", "Missing required param: success_url.", "parameter_missing");
    const session: CheckoutSession = {
      id: this.id("cs_test"),
      object: "checkout.session",
      created: this.now(),
      mode: "subscription",
      status: "open",
      payment_status: "unpaid",
      client_reference_id: input.client_reference_id ?? null,
      metadata: (input.metadata as Record<string, string>) ?? {},
      success_url: input.success_url,
      cancel_url: input.cancel_url ?? null,
      livemode: false,
      url: null,
      customer: input.customer,
      subscription: null,
      line_items_input: items,
      subscription_metadata: (input.subscription_data?.metadata as Record<string, string>) ?? {},
      trial_period_days: input.subscription_data?.trial_period_days ? Number(input.subscription_data.trial_period_days) : null,
    };
    session.url = `${this.options.publicOrigin}/pay/${session.id}`;
    this.state.sessions[session.id] = session;
    return Response.json(session);
  }

  /** The "Pay" button: the session completes as Stripe's would (subscription, paid invoice, events in Stripe's order). */
  async pay(sessionId: string): Promise<CheckoutSession> {
    const session = this.state.sessions[sessionId];
    if (!session) throw new Error(`no session ${sessionId}`);
    if (session.status !== "open") return session;
    const now = this.now();
    const subscriptionId = this.id("sub");
    const trialEnd = session.trial_period_days ? now + session.trial_period_days * 86_400 : null;
    const subscription: Subscription = {
      id: subscriptionId,
      object: "subscription",
      created: now,
      status: trialEnd ? "trialing" : "active",
      metadata: session.subscription_metadata,
      cancel_at_period_end: false,
      canceled_at: null,
      trial_end: trialEnd,
      livemode: false,
      customer: session.customer!,
      items: {
        object: "list",
        has_more: false,
        url: `/v1/subscription_items?subscription=${subscriptionId}`,
        data: session.line_items_input.map((l) => this.item(subscriptionId, l.price, now, l.quantity)),
      },
    };
    this.state.subscriptions[subscriptionId] = subscription;
    Object.assign(session, { status: "complete", payment_status: trialEnd ? "no_payment_required" : "paid", subscription: subscriptionId });
    await this.emit("customer.subscription.created", subscription, session.customer);
    await this.emit("checkout.session.completed", session, session.customer);
    await this.invoice(subscription, "paid");
    return session;
  }

  private item(subscriptionId: string, priceId: string, now: number, quantity?: number): SubscriptionItem {
    return {
      id: this.id("si"),
      object: "subscription_item",
      created: now,
      current_period_start: now,
      current_period_end: now + 30 * 86_400,
      metadata: {},
      subscription: subscriptionId,
      price: this.prices.get(priceId)!,
      ...(quantity !== undefined ? { quantity } : {}),
    };
  }

  private async invoice(subscription: Subscription, status: "paid" | "open"): Promise<Invoice> {
    const base = subscription.items.data.find((i) => i.price.recurring.usage_type === "licensed");
    const invoice: Invoice = {
      id: this.id("in"),
      object: "invoice",
      created: this.now(),
      status,
      number: `FAKE-${String(this.state.seq).padStart(4, "0")}`,
      amount_due: base?.price.unit_amount ?? 0,
      currency: "usd",
      hosted_invoice_url: "",
      livemode: false,
      customer: subscription.customer,
      subscription: subscription.id,
    };
    invoice.hosted_invoice_url = `${this.options.publicOrigin}/portal/invoice/${invoice.id}`;
    this.state.invoices[invoice.id] = invoice;
    await this.emit(status === "paid" ? "invoice.paid" : "invoice.payment_failed", invoice, subscription.customer);
    return invoice;
  }

  private async updateSubscription(subscription: Subscription, input: Stripe.SubscriptionUpdateParams): Promise<Subscription> {
    const previous: Record<string, unknown> = {};
    if (input.items) {
      previous.items = structuredClone(subscription.items);
      for (const change of input.items) {
        const existing = subscription.items.data.find((i) => i.id === change.id);
        if (change.deleted && existing) subscription.items.data = subscription.items.data.filter((i) => i !== existing);
        else if (existing && change.price) existing.price = this.prices.get(String(change.price)) ?? existing.price;
        else if (!existing && change.price) subscription.items.data.push(this.item(subscription.id, String(change.price), this.now()));
      }
    }
    if (input.cancel_at_period_end !== undefined) {
      previous.cancel_at_period_end = subscription.cancel_at_period_end;
      subscription.cancel_at_period_end = String(input.cancel_at_period_end) === "true";
    }
    if (input.metadata) {
      previous.metadata = subscription.metadata;
      subscription.metadata = { ...subscription.metadata, ...(input.metadata as Record<string, string>) };
    }
    await this.emit("customer.subscription.updated", subscription, subscription.customer, previous);
    return subscription;
  }

  private async cancel(subscription: Subscription): Promise<Subscription> {
    if (subscription.status === "canceled") return subscription;
    subscription.status = "canceled";
    subscription.canceled_at = this.now();
    await this.emit("customer.subscription.deleted", subscription, subscription.customer);
    return subscription;
  }

  /** Moves a subscription to a state Stripe reaches on its own (trial end, failed renewal…). */
  async setStatus(subscriptionId: string, status: Subscription["status"]): Promise<Subscription> {
    const subscription = this.state.subscriptions[subscriptionId];
    if (!subscription) throw new Error(`no subscription ${subscriptionId}`);
    if (status === "canceled") return this.cancel(subscription);
    const previous = { status: subscription.status };
    subscription.status = status;
    if (previous.status === "trialing" && status !== "trialing") subscription.trial_end = this.now();
    if (status === "past_due") await this.invoice(subscription, "open");
    await this.emit("customer.subscription.updated", subscription, subscription.customer, previous);
    return subscription;
  }

  private meterEvent(input: Stripe.Billing.MeterEventCreateParams): Response {
    const meter = Object.values(this.state.meters).find((m) => m.event_name === input.event_name);
    if (!meter) return stripeError(400, "invalid_request_error", `No active meter found for event_name '${input.event_name}'.`);
    const customer = input.payload?.stripe_customer_id;
    if (!customer || !this.state.customers[customer])
      return stripeError(400, "invalid_request_error", `No such customer: '${customer}'`, "resource_missing");
    if (!/^\d+$/.test(input.payload.value ?? "")) return stripeError(400, "invalid_request_error", "The value must be a whole number.");
    const timestamp = input.timestamp ? Number(input.timestamp) : this.now();
    if (timestamp < this.now() - 35 * 86_400 || timestamp > this.now() + 300)
      return stripeError(
        400,
        "invalid_request_error",
        "Timestamp must be within the past 35 calendar days or up to 5 minutes in the future.",
      );
    const identifier = input.identifier ?? this.id("mev");
    if (this.state.meterEvents.some((e) => e.identifier === identifier)) {
      return stripeError(
        400,
        "invalid_request_error",
        `An event with identifier '${identifier}' already exists.`,
        "resource_already_exists",
      );
    }
    const event: MeterEvent = {
      object: "billing.meter_event",
      created: this.now(),
      event_name: input.event_name,
      identifier,
      payload: input.payload,
      timestamp,
      livemode: false,
    };
    this.state.meterEvents.push(event);
    return Response.json(event);
  }

  private async emit(type: string, object: unknown, customer: string | null, previous?: Record<string, unknown>): Promise<void> {
    const event: FakeEvent = {
      id: this.id("evt"),
      object: "event",
      api_version: API_VERSION,
      created: this.now(),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
      data: { object: structuredClone(object), ...(previous && Object.keys(previous).length ? { previous_attributes: previous } : {}) },
    };
    this.state.events[event.id] = event;
    const payload = JSON.stringify(event, null, 2);
    const signature = await this.signer.webhooks.generateTestHeaderStringAsync({
      payload,
      secret: this.options.webhookSecret,
      timestamp: Math.floor(Date.now() / 1000),
    });
    const delivery: Delivery = { eventId: event.id, type, customer, payload, signature };
    this.state.deliveries.push(delivery);
    this.options.onDelivery?.(delivery);
  }

  /** Test controls. */
  private async control(request: Request, url: URL): Promise<Response> {
    const parts = url.pathname.split("/").filter(Boolean).slice(1);
    const body = request.method === "POST" ? ((await request.json().catch(() => ({}))) as Record<string, unknown>) : {};
    if (parts[0] === "deliveries")
      return Response.json(
        this.state.deliveries.filter((d) => !url.searchParams.get("customer") || d.customer === url.searchParams.get("customer")),
      );
    if (parts[0] === "meter-events")
      return Response.json(
        this.state.meterEvents.filter(
          (e) => !url.searchParams.get("customer") || e.payload.stripe_customer_id === url.searchParams.get("customer"),
        ),
      );
    if (parts[0] === "customers")
      return Response.json(
        Object.values(this.state.customers).filter(
          (c) => !url.searchParams.get("tenantId") || c.metadata.tenantId === url.searchParams.get("tenantId"),
        ),
      );
    if (parts[0] === "clock" && request.method === "POST") {
      this.state.clockOffsetSeconds += Number(body.advanceSeconds ?? 0);
      return Response.json({ now: this.now() });
    }
    if (parts[0] === "sessions" && parts[1]) {
      const session = this.state.sessions[parts[1]];
      if (!session) return notFound(url.pathname);
      if (parts[2] === "pay" && request.method === "POST") return Response.json(await this.pay(parts[1]));
      return Response.json(session);
    }
    if (parts[0] === "subscriptions" && parts[1] && parts[2] === "status" && request.method === "POST")
      return Response.json(await this.setStatus(parts[1], body.status as Subscription["status"]));
    if (parts[0] === "subscriptions" && parts[1] && parts[2] === "trial-will-end" && request.method === "POST") {
      const subscription = this.state.subscriptions[parts[1]];
      if (!subscription) return notFound(url.pathname);
      await this.emit("customer.subscription.trial_will_end", subscription, subscription.customer);
      return Response.json(subscription);
    }
    return notFound(url.pathname);
  }

  /** The pages a person clicks through: pay, portal. Plain HTML forms, no script. */
  private async page(request: Request, url: URL): Promise<Response> {
    const [kind, id, action] = url.pathname.split("/").filter(Boolean);
    if (kind === "pay" && id) {
      const session = this.state.sessions[id];
      if (!session) return html("Not found", "<p>No such checkout session.</p>", 404);
      if (request.method === "POST") {
        await this.pay(id);
        return Response.redirect(session.success_url!.replace("{CHECKOUT_SESSION_ID}", id), 303);
      }
      const base = session.line_items_input.map((l) => this.prices.get(l.price)!).find((p) => p.recurring.usage_type === "licensed");
      const metered = session.line_items_input.map((l) => this.prices.get(l.price)!).filter((p) => p.recurring.usage_type === "metered");
      const done = session.status !== "open";
      return html(
        "Checkout",
        `<h1>${escape(base?.nickname ?? "Subscription")}</h1>
         <p class="price">${base?.unit_amount != null ? `$${(base.unit_amount / 100).toFixed(2)} / month` : ""}</p>
         ${metered.length ? `<p>Plus usage beyond the plan's allowance: ${metered.map((p) => escape(p.nickname ?? p.id)).join(", ")}.</p>` : ""}
         <p class="muted">Local Stripe fake: no card is needed and nothing is charged.</p>
         ${done ? `<p>This checkout is complete.</p><p><a href="${escape(session.success_url!.replace("{CHECKOUT_SESSION_ID}", id))}">Return</a></p>` : `<form method="post"><button type="submit">Pay and subscribe</button></form>${session.cancel_url ? `<p><a href="${escape(session.cancel_url)}">Cancel and return</a></p>` : ""}`}`,
      );
    }
    if (kind === "portal" && id === "invoice" && action) {
      const invoice = this.state.invoices[action];
      return invoice
        ? html(
            `Invoice ${invoice.number}`,
            `<h1>Invoice ${escape(invoice.number ?? "")}</h1><p>$${(invoice.amount_due / 100).toFixed(2)} — ${escape(invoice.status ?? "")}</p>`,
          )
        : html("Not found", "<p>No such invoice.</p>", 404);
    }
    if (kind === "portal" && id) {
      const portal = this.state.portals[id];
      if (!portal) return html("Not found", "<p>No such portal session.</p>", 404);
      const subscriptions = Object.values(this.state.subscriptions).filter((s) => s.customer === portal.customer);
      if (request.method === "POST" && action) {
        const form = parseForm(await request.text());
        const subscription = this.state.subscriptions[String(form.subscription)];
        if (subscription && subscription.customer === portal.customer) {
          if (action === "cancel-now") await this.cancel(subscription);
          if (action === "cancel-at-period-end") await this.updateSubscription(subscription, { cancel_at_period_end: true });
          if (action === "renew") await this.updateSubscription(subscription, { cancel_at_period_end: false });
        }
        return Response.redirect(`${this.options.publicOrigin}/portal/${id}`, 303);
      }
      const invoices = Object.values(this.state.invoices).filter((i) => i.customer === portal.customer);
      const rows = subscriptions
        .map((s) => {
          const base = s.items.data.find((i) => i.price.recurring.usage_type === "licensed");
          const live = s.status !== "canceled";
          return `<li><strong>${escape(base?.price.nickname ?? s.id)}</strong> — ${escape(s.status)}${s.cancel_at_period_end ? " (cancels at period end)" : ""}
            ${
              live
                ? `<form method="post" action="/portal/${id}/cancel-now"><input type="hidden" name="subscription" value="${s.id}"><button>Cancel now</button></form>
            <form method="post" action="/portal/${id}/${s.cancel_at_period_end ? "renew" : "cancel-at-period-end"}"><input type="hidden" name="subscription" value="${s.id}"><button>${s.cancel_at_period_end ? "Renew" : "Cancel at period end"}</button></form>`
                : ""
            }</li>`;
        })
        .join("");
      return html(
        "Billing portal",
        `<h1>Billing portal</h1><h2>Subscriptions</h2><ul>${rows || "<li>None</li>"}</ul>
         <h2>Invoices</h2><ul>${invoices.map((i) => `<li><a href="${escape(i.hosted_invoice_url ?? "#")}">${escape(i.number ?? i.id)}</a> $${(i.amount_due / 100).toFixed(2)} ${escape(i.status ?? "")}</li>`).join("") || "<li>None</li>"}</ul>
         ${portal.return_url ? `<p><a href="${escape(portal.return_url)}">Return to Switchboard</a></p>` : ""}`,
      );
    }
    return notFound(url.pathname);
  }
}

/** Stripe's request encoding (`a[b][0][c]=v`, from stripe-node's qs) → nested objects and arrays. */
export function parseForm(text: string): Record<string, any> {
  const root: Record<string, any> = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const keys = rawKey.replace(/\]/g, "").split("[");
    let node: any = root;
    keys.forEach((key, i) => {
      const last = i === keys.length - 1;
      const nextIsIndex = !last && /^\d+$/.test(keys[i + 1]!);
      if (last) node[key] = value;
      else node = node[key] ??= nextIsIndex ? [] : {};
    });
  }
  return root;
}

function stripeError(status: number, type: string, message: string, code?: string): Response {
  return Response.json({ error: { type, message, ...(code ? { code } : {}) } }, { status });
}

function notFound(path: string): Response {
  return stripeError(404, "invalid_request_error", `Unrecognized request URL (${path}).`);
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function html(title: string, body: string, status = 200): Response {
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)} — Stripe (local fake)</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1a1f36}h1{font-size:1.4rem}.price{font-size:1.6rem;font-weight:600}.muted{color:#697386}
button{background:#635bff;color:#fff;border:0;border-radius:6px;padding:.6rem 1.2rem;font-size:1rem;cursor:pointer;margin:.2rem 0}form{display:inline-block;margin-right:.5rem}li{margin:.6rem 0}.banner{background:#fff8e1;border:1px solid #f5d77b;padding:.5rem;border-radius:6px;font-size:.85rem}</style>
</head><body><p class="banner">Local Stripe fake (Switchboard development) — not the real Stripe.</p>${body}</body></html>`;
  return new Response(page, { status, headers: { "content-type": "text/html; charset=utf-8" } });
}
