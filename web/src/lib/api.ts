/**
 * The one way the dashboard talks to the API: same-origin fetch under /v1 with the session cookie.
 * Every non-2xx answer becomes an `ApiError` carrying the platform's error shape
 * (`{ error: { code, message, details } }`, see workers/shared/errors/catalogue.ts).
 */
import { ErrorBodySchema, type ErrorCode } from "@shared/errors/catalogue";

/** Codes the browser itself produces when no error body came back. */
export type ClientErrorCode = "network_error" | "unexpected_response";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | ClientErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** The `details.issues` of a `validation_failed` error (path is dot-joined, e.g. "config.requireMfa"). */
  get issues(): Array<{ path: string; message: string }> {
    const issues = this.details.issues;
    if (!Array.isArray(issues)) return [];
    return issues.filter((i): i is { path: string; message: string } => typeof i?.path === "string" && typeof i?.message === "string");
  }
}

export function isApiError(err: unknown, code?: ErrorCode | ClientErrorCode): err is ApiError {
  return err instanceof ApiError && (code === undefined || err.code === code);
}

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
type Query = Record<string, string | number | boolean | undefined>;

async function request<T>(method: Method, path: string, body?: unknown, query?: Query): Promise<T> {
  const url = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== "") url.searchParams.set(k, String(v));

  let res: Response;
  try {
    res = await fetch(url.pathname + url.search, {
      method,
      credentials: "same-origin",
      headers: { accept: "application/json", ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ApiError(0, "network_error", "Could not reach the server. Check your connection and try again.");
  }

  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: handled below
  }
  if (res.ok) return json as T;

  const parsed = ErrorBodySchema.safeParse(json);
  if (parsed.success) {
    const { code, message, details } = parsed.data.error;
    throw new ApiError(res.status, code, message, details);
  }
  throw new ApiError(
    res.status,
    "unexpected_response",
    `The server answered ${res.status} ${res.statusText || ""}`.trim() + ".",
    json === undefined ? {} : { body: json },
  );
}

export const api = {
  get: <T>(path: string, query?: Query) => request<T>("GET", path, undefined, query),
  post: <T>(path: string, body?: unknown) => request<T>("POST", path, body),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, body),
  put: <T>(path: string, body?: unknown) => request<T>("PUT", path, body),
  delete: <T = void>(path: string) => request<T>("DELETE", path),
};

/** Page shape of every list endpoint (`pageOf` in workers/shared/schemas/common.ts). */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** Fetches every page of a list (lists in the dashboard are small: bounded by plan limits). */
export async function getAll<T>(path: string, query?: Query, maxPages = 20): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < maxPages; i++) {
    const page = await api.get<Page<T>>(path, { ...query, limit: 100, cursor });
    out.push(...page.data);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return out;
}
