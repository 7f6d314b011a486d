/**
 * Running one tool of one skill version in a Dynamic Worker (docs/skills.md#code).
 *
 * Isolate identity: `LOADER.get(id, …)` caches an isolate by id, and everything given in the
 * callback — `env` and the `globalOutbound` with its props — is fixed for that isolate's life. The
 * props are who the egress gate believes is calling (tenant, agent, skill, version, run), so an
 * isolate must never serve two identities: the id is the version's content hash (plus the runtime
 * version) *and* the caller — `skill:<hash>:<runtime>:<tenant>:<agent>:<run>`. Concurrent and
 * repeated invocations by that caller share the isolate; another agent or run gets its own.
 * (Sharing one isolate between agents would need a per-invocation identity carried inside the
 * sandbox, where the skill's own code could tamper with it.)
 *
 * The isolate gets: the skill's modules, checked and instrumented (analyze.ts) plus the runtime's
 * two (harness.ts); `env` = the manifest's declared settings, nothing else (no bindings); the
 * network = the given outbound (EgressOutbound, or the dry run's mock outbound); `limits` (cpuMs,
 * subRequests) for the platform to enforce. The host adds the wall-time limit.
 */
import { analyzePackage, MAIN_MODULE } from "../../../shared/skills/code/analyze";
import { SKILL_CODE_LIMITS, SKILL_COMPATIBILITY_DATE, SKILL_RUN_LIMITS, SKILL_RUNTIME_VERSION } from "../../../shared/skills/code/limits";
import type { StoredSkillCode } from "../../../shared/skills/code/package";
import { runtimeModules, type HarnessResult } from "../../../shared/skills/runtime/harness";
import { ApiError } from "../http/api-error";
import type { MockOutboundProps } from "./dry-run-calls";

export interface IsolateIdentity {
  tenantId: string;
  agentId: string;
  run: string | null;
}

export type ToolOutcome =
  | { ok: true; output: unknown }
  | {
      ok: false;
      code: HarnessResult extends infer R ? (R extends { ok: false; code: infer C } ? C : never) : never;
      message: string;
      details?: Record<string, unknown>;
    };

interface SkillWorkerStub {
  invoke(tool: string, inputJson: string, maxOutputBytes: number): Promise<HarnessResult>;
}

export function runtimeAvailable(env: Partial<Pick<Env, "LOADER">>): boolean {
  return typeof env.LOADER?.get === "function";
}

export function assertRuntime(env: Partial<Pick<Env, "LOADER">>): void {
  if (!runtimeAvailable(env)) {
    throw new ApiError(
      "skill_runtime_unavailable",
      "This deployment cannot run skill code: its Worker has no Worker Loader binding (docs/deploy.md#skill-runtime). Manifests, installs and the egress proxy still work.",
      { binding: "LOADER" },
    );
  }
}

const builtModules = new Map<string, Record<string, string>>();

/** The modules an isolate of this version loads (instrumented once per API isolate and content hash). */
function modulesFor(code: StoredSkillCode, hash: string): Record<string, string> {
  const hit = builtModules.get(hash);
  if (hit) return hit;
  const analyzed = analyzePackage(code.modules, code.entry);
  // Published code was analyzed at publish; a failure here means the analyzer got stricter since.
  if (!analyzed.ok)
    throw new ApiError("skill_failed", "The skill's code no longer passes the runtime's checks; publish a new version.", {
      problems: analyzed.problems,
    });
  const modules = {
    ...analyzed.instrumented,
    ...runtimeModules(code.entry, {
      maxSteps: SKILL_RUN_LIMITS.maxSteps,
      maxStartupSteps: SKILL_RUN_LIMITS.maxStartupSteps,
      maxAllocationBytes: SKILL_RUN_LIMITS.maxAllocationBytes,
      wallMs: SKILL_RUN_LIMITS.wallMs,
      maxOutputBytes: SKILL_CODE_LIMITS.maxOutputBytes,
    }),
  };
  if (builtModules.size >= 64) builtModules.delete(builtModules.keys().next().value!);
  builtModules.set(hash, modules);
  return modules;
}

export function isolateId(hash: string, who: IsolateIdentity | { dryRun: string }): string {
  return "dryRun" in who
    ? `skill-dry:${hash}:${SKILL_RUNTIME_VERSION}:${who.dryRun}`
    : `skill:${hash}:${SKILL_RUNTIME_VERSION}:${who.tenantId}:${who.agentId}:${who.run ?? "-"}`;
}

export interface RunRequest {
  id: string;
  hash: string;
  code: () => Promise<StoredSkillCode>;
  settings: Record<string, string | number | boolean>;
  /** The isolate's only network (null: none at all — the bench). */
  outbound: Fetcher | null;
  tool: string;
  input: unknown;
  /** A dry run loads a fresh isolate (`load`), never a cached one. */
  fresh?: boolean;
}

const PLATFORM_LIMITS = { cpuMs: SKILL_RUN_LIMITS.cpuMs, subRequests: SKILL_RUN_LIMITS.subRequests };

export async function runTool(env: Pick<Env, "LOADER">, req: RunRequest): Promise<ToolOutcome> {
  assertRuntime(env);
  const build = async (): Promise<WorkerLoaderWorkerCode> => {
    const code = await req.code();
    return {
      compatibilityDate: SKILL_COMPATIBILITY_DATE,
      // Only AsyncLocalStorage (the meter's per-invocation budgets); the skill cannot import node: modules anyway.
      compatibilityFlags: ["nodejs_als"],
      mainModule: MAIN_MODULE,
      modules: modulesFor(code, req.hash),
      env: { ...req.settings },
      globalOutbound: req.outbound,
      limits: PLATFORM_LIMITS,
    };
  };
  const worker = req.fresh ? env.LOADER.load(await build()) : env.LOADER.get(req.id, build);
  const entry = worker.getEntrypoint("SkillWorker", { limits: PLATFORM_LIMITS }) as unknown as SkillWorkerStub;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<HarnessResult>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          ok: false,
          code: "skill_timeout",
          message: `The skill did not finish within ${SKILL_RUN_LIMITS.wallMs} ms: stopped.`,
          details: { wallMs: SKILL_RUN_LIMITS.wallMs },
        }),
      SKILL_RUN_LIMITS.wallMs,
    );
  });
  let result: HarnessResult;
  try {
    result = await Promise.race([entry.invoke(req.tool, JSON.stringify(req.input ?? null), SKILL_CODE_LIMITS.maxOutputBytes), timeout]);
  } catch (err) {
    result = platformFailure(err);
  } finally {
    clearTimeout(timer);
  }
  if (!result.ok) return result;
  return { ok: true, output: JSON.parse(result.json) };
}

/**
 * What the platform throws when it stops an isolate (production: CPU or memory limit exceeded; the
 * isolate is discarded) mapped to the same codes the meter uses; anything else is the code failing
 * to load or crashing outside a tool.
 */
function platformFailure(err: unknown): HarnessResult {
  const message = String((err as Error)?.message ?? err);
  if (/cpu/i.test(message) && /(limit|exceeded)/i.test(message))
    return {
      ok: false,
      code: "skill_cpu_limit",
      message: "The skill exceeded its CPU time limit and was stopped by the platform.",
      details: { cpuMs: SKILL_RUN_LIMITS.cpuMs },
    };
  if (/memory/i.test(message) && /(limit|exceeded)/i.test(message))
    return {
      ok: false,
      code: "skill_memory_limit",
      message: "The skill exceeded the isolate's memory limit and was stopped by the platform.",
      details: {},
    };
  if (/subrequest/i.test(message))
    return {
      ok: false,
      code: "skill_failed",
      message: `The skill made more than ${SKILL_RUN_LIMITS.subRequests} outbound calls in one invocation.`,
      details: { subRequests: SKILL_RUN_LIMITS.subRequests },
    };
  return { ok: false, code: "skill_failed", message: `The skill could not run: ${message.slice(0, 1000)}`, details: {} };
}

/**
 * The host Worker's own entrypoints as a loaded Worker's network (`ctx.exports`, with props).
 * Imported lazily: the route modules reach this file, and Node loads them to build /openapi.json.
 */
async function hostExports(): Promise<Record<string, (o: { props: unknown }) => Fetcher>> {
  return (await import("cloudflare:workers")).exports as unknown as Record<string, (o: { props: unknown }) => Fetcher>;
}

export async function egressOutbound(props: {
  tenant: string;
  agent: string;
  skill: string;
  version: string;
  run: string;
  platformHosts: string[];
}): Promise<Fetcher> {
  return (await hostExports()).EgressOutbound!({ props });
}

export async function mockOutbound(props: MockOutboundProps): Promise<Fetcher> {
  return (await hostExports()).SkillMockOutbound!({ props });
}
