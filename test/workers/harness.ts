/**
 * Test harness for API tests in workerd: requests go through the real Worker (`exports.default`)
 * against D1 with the migrations applied. Helpers seed people and tenants through the API itself;
 * `addMember` writes a membership row directly because the invite flow is tested on its own.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { createApp } from "../../workers/api/src/app";
import type { Role } from "../../workers/shared/auth/roles";
import { createDb } from "../../workers/shared/db/client";
import { memberships } from "../../workers/shared/db/schema";

export const BASE = "http://localhost:8787";
export const PASSWORD = "correct horse battery staple";

export interface CallOptions {
  method?: string;
  body?: unknown;
  /** Raw body; sent as is with the given content type. */
  rawBody?: string;
  contentType?: string;
  cookie?: string;
  apiKey?: string;
  headers?: Record<string, string>;
  /**
   * Serve this request with the test Worker's bindings changed (e.g. `{ ENVIRONMENT: "production",
   * RESEND_API_KEY: … }`): the real app (createApp) runs with the merged env, and the call waits
   * for its `waitUntil` work.
   */
  env?: Partial<Env>;
}

export interface CallResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = any>(path: string, options: CallOptions = {}): Promise<CallResult<T>> {
  const headers = new Headers(options.headers);
  let body: string | undefined;
  if (options.rawBody !== undefined) {
    body = options.rawBody;
    if (options.contentType) headers.set("content-type", options.contentType);
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers.set("content-type", options.contentType ?? "application/json");
  }
  if (options.cookie) headers.set("cookie", options.cookie);
  if (options.apiKey) headers.set("authorization", `Bearer ${options.apiKey}`);
  const request = new Request(`${BASE}${path}`, { method: options.method ?? (body !== undefined ? "POST" : "GET"), headers, body });
  const res = options.env ? await fetchWithEnv(request, options.env) : await exports.default.fetch(request);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

async function fetchWithEnv(request: Request, overrides: Partial<Env>): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await createApp().fetch(request, { ...env, ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

export function sessionCookieOf(res: { headers: Headers }): string {
  const setCookie = res.headers.get("set-cookie") ?? "";
  const match = /sb_session=([^;]*)/.exec(setCookie);
  if (!match || !match[1]) throw new Error(`no session cookie in: ${setCookie}`);
  return `sb_session=${match[1]}`;
}

let counter = 0;
export function uniqueEmail(label = "user"): string {
  counter += 1;
  return `${label}-${Date.now().toString(36)}-${counter}-${crypto.randomUUID().slice(0, 8)}@example.test`;
}

export interface TestUser {
  id: string;
  email: string;
  cookie: string;
}

export async function signup(label = "user", password = PASSWORD): Promise<TestUser> {
  const email = uniqueEmail(label);
  const res = await call("/v1/auth/signup", { body: { email, password, name: label } });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.user.id, email, cookie: sessionCookieOf(res) };
}

export async function createTenant(owner: TestUser, name = "Test tenant"): Promise<string> {
  const res = await call("/v1/tenants", { body: { name }, cookie: owner.cookie });
  if (res.status !== 201) throw new Error(`create tenant failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.tenant.id;
}

/** Adds a user with a role to a tenant by writing the membership row (invites have their own tests). */
export async function addMember(tenantId: string, role: Role, user?: TestUser): Promise<TestUser> {
  const member = user ?? (await signup(role));
  await createDb(env.DB).insert(memberships).values({ tenantId, userId: member.id, role });
  return member;
}

/** A tenant with one person in each role. */
export async function tenantWithRoles(name = "Roles tenant") {
  const owner = await signup("owner");
  const tenantId = await createTenant(owner, name);
  const [admin, member, viewer] = await Promise.all([
    addMember(tenantId, "admin"),
    addMember(tenantId, "member"),
    addMember(tenantId, "viewer"),
  ]);
  return {
    tenantId,
    owner,
    admin: admin!,
    member: member!,
    viewer: viewer!,
    byRole: { owner, admin: admin!, member: member!, viewer: viewer! } as Record<Role, TestUser>,
  };
}

export function expectError(res: CallResult, status: number, code: string): void {
  if (res.status !== status || res.body?.error?.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body)}`);
  }
  if (typeof res.body.error.message !== "string" || res.body.error.message.length === 0) throw new Error("error without a message");
  // Every error body carries the request's id, the same as the X-Request-Id header.
  const requestId = res.headers.get("x-request-id");
  if (!requestId || res.body.error.requestId !== requestId)
    throw new Error(`error.requestId ${res.body.error.requestId} does not match X-Request-Id ${requestId}`);
}
