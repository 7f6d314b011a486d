/**
 * A webhook receiver for tests, served at https://webhooks.test through Miniflare's
 * `outboundService` (see fake-oauth-providers.ts, which dispatches to it). Runs in Node; state is
 * per vitest process, so every test uses its own bucket name.
 *
 * - `POST https://webhooks.test/<bucket>?status=<code>` records the request (method, headers, raw
 *   body) under `<bucket>` and answers `<code>` (default 200).
 * - `GET https://webhooks.test/__recorded/<bucket>` answers the recorded requests as JSON, oldest first.
 */
export const WEBHOOK_RECEIVER_HOST = "webhooks.test";

export interface RecordedWebhook {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  receivedAt: number;
}

const recorded = new Map<string, RecordedWebhook[]>();

export async function fakeWebhookReceiver(request: Request): Promise<Response> {
  const url = new URL(request.url);
  const parts = url.pathname.split("/").filter(Boolean);
  if (request.method === "GET" && parts[0] === "__recorded" && parts[1]) return Response.json(recorded.get(parts[1]) ?? []);
  const bucket = parts[0];
  if (!bucket) return new Response("bucket required", { status: 400 });
  const entry: RecordedWebhook = {
    method: request.method,
    path: url.pathname + url.search,
    headers: Object.fromEntries(request.headers),
    body: await request.text(),
    receivedAt: Date.now(),
  };
  recorded.set(bucket, [...(recorded.get(bucket) ?? []), entry]);
  return new Response(null, { status: Number(url.searchParams.get("status") ?? 200) });
}
