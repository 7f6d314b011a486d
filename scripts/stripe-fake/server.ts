/**
 * The local Stripe fake as a process (`npm start` runs it unless .dev.vars has a real
 * STRIPE_SECRET_KEY; docs/billing.md). It serves FakeStripe over HTTP on STRIPE_FAKE_PORT, keeps
 * its state in STRIPE_FAKE_STATE (a JSON file in the stack's state directory, so customers and
 * subscriptions survive a restart like the API's D1 does) and POSTs every event, signed, to
 * STRIPE_FAKE_WEBHOOK_URL — retrying like Stripe, with backoff, until the API answers 2xx.
 *
 * Run with tsx (the stack does): `tsx scripts/stripe-fake/server.ts`.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { FakeStripe, type Delivery, type FakeStripeState } from "./fake-stripe";

const port = Number(process.env.STRIPE_FAKE_PORT ?? 8791);
const host = process.env.STRIPE_FAKE_HOST ?? "127.0.0.1";
const statePath = process.env.STRIPE_FAKE_STATE ?? "";
const webhookUrl = process.env.STRIPE_FAKE_WEBHOOK_URL ?? "";
const publicOrigin = process.env.STRIPE_FAKE_PUBLIC_ORIGIN ?? `http://localhost:${port}`;
const secretKey = required("STRIPE_FAKE_SECRET_KEY");
const webhookSecret = required("STRIPE_FAKE_WEBHOOK_SECRET");

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const saved = statePath && existsSync(statePath) ? (JSON.parse(readFileSync(statePath, "utf8")) as FakeStripeState) : undefined;
const fake = new FakeStripe({ secretKey, webhookSecret, publicOrigin, onDelivery: (d) => void deliver(d, 1) }, saved);

function save(): void {
  if (statePath) writeFileSync(statePath, JSON.stringify(fake.state));
}

/** Stripe retries failed deliveries for days with backoff; locally: 1 s, 2 s, 4 s … capped at 60 s, 20 tries. */
async function deliver(delivery: Delivery, attempt: number): Promise<void> {
  if (!webhookUrl) return;
  try {
    const res = await fetch(webhookUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json; charset=utf-8",
        "stripe-signature": delivery.signature,
        "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks) local-fake",
      },
      body: delivery.payload,
    });
    if (res.ok) return;
    console.error(`[stripe-fake] ${delivery.type} ${delivery.eventId}: webhook answered ${res.status} (attempt ${attempt})`);
  } catch (error) {
    console.error(`[stripe-fake] ${delivery.type} ${delivery.eventId}: webhook unreachable (attempt ${attempt}): ${String(error)}`);
  }
  if (attempt >= 20) return;
  setTimeout(() => void deliver(delivery, attempt + 1), Math.min(60_000, 1000 * 2 ** (attempt - 1)));
}

async function toRequest(req: IncomingMessage): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
  const body = req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks);
  return new Request(new URL(req.url ?? "/", `http://${req.headers.host ?? `${host}:${port}`}`), { method: req.method, headers, body });
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

createServer((req, res) => {
  toRequest(req)
    .then((request) => fake.handle(request))
    .then(async (response) => {
      await send(res, response);
      if (req.method !== "GET") save();
    })
    .catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
}).listen(port, host, () => console.log(`[stripe-fake] listening on ${publicOrigin} (webhooks → ${webhookUrl || "nowhere"})`));
