/**
 * Resend's email API as the Worker sees it, for tests: Miniflare's `outboundService` (see
 * vitest.config.ts and fake-oauth-providers.ts, which dispatches here) hands it every `fetch()` to
 * https://api.resend.com. It answers `POST /emails` the way Resend does — Bearer key checked,
 * fields validated (422 `validation_error`), `{ id }` on success, the same id and no second mail
 * for a repeated `Idempotency-Key` — and records what it accepted.
 *
 * Scenarios by recipient: `fail-500…@` answers 500, `rate-limited…@` 429, `refused…@` 422 (every
 * attempt); `flaky…@` 500 on the first attempt only. `GET https://api.resend.com/__recorded?to=<address>`
 * answers `{ accepted, attempts }` for that address. Runs in Node (vitest's process); state is per
 * process, so every test uses its own recipient addresses.
 */
export const FAKE_RESEND_HOST = "api.resend.com";
export const FAKE_RESEND_KEY = "re_test_fake_key";

export interface RecordedMail {
  id: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  idempotencyKey: string | null;
}

const accepted = new Map<string, RecordedMail[]>();
const attempts = new Map<string, number>();
const byIdempotencyKey = new Map<string, string>();
let counter = 0;

const problem = (statusCode: number, name: string, message: string) => Response.json({ statusCode, name, message }, { status: statusCode });

export async function fakeMailProvider(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (request.method === "GET" && url.pathname === "/__recorded") {
    const to = url.searchParams.get("to") ?? "";
    return Response.json({ accepted: accepted.get(to) ?? [], attempts: attempts.get(to) ?? 0 });
  }
  if (request.method !== "POST" || url.pathname !== "/emails") return problem(404, "not_found", "Route not found");
  const auth = request.headers.get("authorization");
  if (!auth) return problem(401, "missing_api_key", "Missing API key in the authorization header.");
  if (auth !== `Bearer ${FAKE_RESEND_KEY}`) return problem(403, "invalid_api_key", "API key is invalid.");

  const body = (await request.json().catch(() => null)) as Partial<{
    from: unknown;
    to: unknown;
    subject: unknown;
    text: unknown;
    html: unknown;
  }> | null;
  const to = typeof body?.to === "string" ? [body.to] : Array.isArray(body?.to) ? (body.to as unknown[]) : [];
  if (
    !body ||
    typeof body.from !== "string" ||
    !body.from ||
    to.length === 0 ||
    !to.every((t) => typeof t === "string") ||
    typeof body.subject !== "string" ||
    (typeof body.text !== "string" && typeof body.html !== "string")
  ) {
    return problem(422, "validation_error", "Missing or invalid `from`, `to`, `subject` or `text`.");
  }
  const recipient = to[0] as string;
  const attempt = (attempts.get(recipient) ?? 0) + 1;
  attempts.set(recipient, attempt);
  if (recipient.startsWith("fail-500")) return problem(500, "internal_server_error", "An unexpected error occurred.");
  if (recipient.startsWith("rate-limited")) return problem(429, "rate_limit_exceeded", "Too many requests.");
  if (recipient.startsWith("refused")) return problem(422, "invalid_to_address", "Invalid `to` field.");
  if (recipient.startsWith("flaky") && attempt === 1) return problem(500, "internal_server_error", "An unexpected error occurred.");

  const idempotencyKey = request.headers.get("idempotency-key");
  const repeated = idempotencyKey ? byIdempotencyKey.get(idempotencyKey) : undefined;
  if (repeated) return Response.json({ id: repeated });
  const id = `fake-resend-${++counter}`;
  if (idempotencyKey) byIdempotencyKey.set(idempotencyKey, id);
  const mail: RecordedMail = {
    id,
    from: body.from,
    to: to as string[],
    subject: body.subject,
    text: String(body.text ?? ""),
    idempotencyKey,
  };
  accepted.set(recipient, [...(accepted.get(recipient) ?? []), mail]);
  return Response.json({ id });
}
