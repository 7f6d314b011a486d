/**
 * The skill runtime's limits, in one place (docs/skills.md#limits). Package limits are checked at
 * publish; run limits are applied by the loader (`limits` of the Dynamic Worker: enforced by the
 * platform in production) and by the runtime's own meter inside the isolate (enforced everywhere,
 * including local workerd, which enforces no CPU, memory or subrequest limit of its own).
 */
export const SKILL_CODE_LIMITS = {
  /** Modules in one version (the runtime's own two are not counted). */
  maxModules: 32,
  /** One module's source, in UTF-8 bytes. */
  maxModuleBytes: 512 * 1024,
  /** All modules together. */
  maxCodeBytes: 1024 * 1024,
  maxTools: 32,
  /** One tool definition (name, description, both schemas) as JSON. */
  maxToolBytes: 32 * 1024,
  /** A tool's input as JSON. */
  maxInputBytes: 256 * 1024,
  /** A tool's output as JSON: the response-size limit. */
  maxOutputBytes: 1024 * 1024,
} as const;

export const SKILL_RUN_LIMITS = {
  /** Platform CPU limit per invocation (Dynamic Worker `limits.cpuMs`; not enforced by local workerd). */
  cpuMs: 1_000,
  /** Platform subrequest limit per invocation (`limits.subRequests`; not enforced by local workerd). The egress gate's rate limits apply too. */
  subRequests: 50,
  /** The meter: loop iterations and function calls one invocation may make (≈ a few hundred ms of CPU). */
  maxSteps: 20_000_000,
  /** The meter's budget for the module's top-level code when an isolate starts. */
  maxStartupSteps: 2_000_000,
  /** Bulk allocations (ArrayBuffer, typed arrays, Array(n), String#repeat/padStart/padEnd) one invocation may make, in bytes. */
  maxAllocationBytes: 128 * 1024 * 1024,
  /** Wall time of one invocation, host side (and checked by the meter where the clock moves). */
  wallMs: 30_000,
} as const;

/** The compatibility date skills run at: the API Worker's own (wrangler.toml). */
export const SKILL_COMPATIBILITY_DATE = "2026-11-01";

/**
 * Bumped whenever the harness or the instrumentation changes: part of every isolate id, so a
 * deploy never reuses an isolate loaded with the previous runtime.
 */
export const SKILL_RUNTIME_VERSION = "1";
