/**
 * One HTTP call to the API's agent routes (`/v1/agent/*`) with the agent's token: JSON in and out,
 * one fresh exchange and retry after a 401 (keys rotated, clock skew), and every refusal turned
 * into the caller's error class with the API's `{ error: { code, message, details } }` — status 0
 * and code `network_error` when the API could not be reached. Shared by `CoordinationClient` and
 * `SkillsClient` so both map errors the same way.
 */
import type { TokenSource } from "./token";

export type ApiErrorFactory<E extends Error> = (
  message: string,
  code: string,
  status: number,
  details: Record<string, unknown> | undefined,
) => E;

export interface AgentHttp<E extends Error> {
  base: string;
  tokens: TokenSource;
  fetchImpl: typeof fetch;
  error: ApiErrorFactory<E>;
}

export async function agentCall<T, E extends Error>(
  http: AgentHttp<E>,
  method: string,
  path: string,
  body?: unknown,
  retried = false,
): Promise<T> {
  const token = await http.tokens.get();
  let res: Response;
  try {
    res = await http.fetchImpl(`${http.base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token.token}`,
        accept: "application/json",
        // Tells the API the call came through the SDK (a run's `via`, docs/runs.md).
        "x-switchboard-client": "sdk",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (cause) {
    throw http.error(`Cannot reach ${http.base}: ${String((cause as Error)?.message ?? cause)}`, "network_error", 0, undefined);
  }
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: reported below
  }
  if (res.ok) return parsed as T;
  // A token refused mid-life (keys rotated, clock skew): exchange once and retry.
  if (res.status === 401 && !retried) {
    http.tokens.invalidate();
    return agentCall<T, E>(http, method, path, body, true);
  }
  const error = (parsed as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null)?.error;
  throw http.error(
    error?.message ?? `HTTP ${res.status}: ${text.slice(0, 200)}`,
    error?.code ?? `http_${res.status}`,
    res.status,
    error?.details,
  );
}
