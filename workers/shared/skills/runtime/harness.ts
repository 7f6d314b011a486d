/**
 * The runtime's own two modules, loaded into every skill isolate beside the skill's code:
 *
 * - `__switchboard/meter.js` — the step and allocation meter (the skill's instrumented modules
 *   call `__sb_tick()`), per invocation through AsyncLocalStorage (`nodejs_als`: concurrent
 *   invocations share the isolate, not their budgets), and the allocation guards on the bulk
 *   allocators. It is imported first, so the guards are in place before any skill module runs.
 * - `__switchboard/main.js` — the entrypoint the host calls: `SkillWorker.invoke(tool, inputJson)`
 *   runs the tool (a named export of the entry module) with `{ settings }` and answers JSON text
 *   or a coded error. Limits are reported by the meter's state, not by what the skill's code did
 *   with the thrown error (it may catch it; every further step throws again).
 *
 * The platform's own limits (`limits.cpuMs`, 128 MB per isolate) are enforced in production; local
 * workerd enforces neither (docs/skills.md#limits, checked on this machine).
 */
import { MAIN_MODULE, METER_MODULE } from "../code/analyze";

export interface HarnessLimits {
  maxSteps: number;
  maxStartupSteps: number;
  maxAllocationBytes: number;
  wallMs: number;
  maxOutputBytes: number;
}

/** Answers of `SkillWorker.invoke` (JSON-safe, so the RPC boundary carries plain data). */
export type HarnessResult =
  | { ok: true; json: string }
  | {
      ok: false;
      code: "skill_cpu_limit" | "skill_memory_limit" | "skill_timeout" | "skill_output_too_large" | "skill_failed" | "skill_tool_not_found";
      message: string;
      details?: Record<string, unknown>;
    };

export function meterSource(limits: HarnessLimits): string {
  return `import { AsyncLocalStorage } from "node:async_hooks";
const LIMITS = ${JSON.stringify(limits)};
export const invocations = new AsyncLocalStorage();
const startup = { steps: 0, maxSteps: LIMITS.maxStartupSteps, bytes: 0, maxBytes: LIMITS.maxAllocationBytes, startedAt: Date.now(), wallMs: LIMITS.wallMs, exceeded: null };
const SLICE = 1024;
let pending = 0;
export class SkillLimitError extends Error {
  constructor(kind) {
    super(kind === "cpu" ? "The skill exceeded its CPU budget (" + LIMITS.maxSteps + " steps): stopped." : kind === "memory" ? "The skill exceeded its memory budget (" + LIMITS.maxAllocationBytes + " bytes of bulk allocations): stopped." : "The skill exceeded its wall-time limit (" + LIMITS.wallMs + " ms): stopped.");
    this.name = "SkillLimitError";
    this.kind = kind;
  }
}
export function newBudget() {
  return { steps: 0, maxSteps: LIMITS.maxSteps, bytes: 0, maxBytes: LIMITS.maxAllocationBytes, startedAt: Date.now(), wallMs: LIMITS.wallMs, exceeded: null };
}
function check(s) {
  if (s.exceeded === null) {
    if (s.steps > s.maxSteps) s.exceeded = "cpu";
    else if (s.bytes > s.maxBytes) s.exceeded = "memory";
    else if (Date.now() - s.startedAt > s.wallMs) s.exceeded = "timeout";
  }
  if (s.exceeded !== null) throw new SkillLimitError(s.exceeded);
}
export function __sb_tick() {
  if (++pending >= SLICE) {
    const s = invocations.getStore() ?? startup;
    s.steps += pending;
    pending = 0;
    check(s);
  }
}
function charge(bytes) {
  const n = Number(bytes);
  if (!(n > 0)) return;
  const s = invocations.getStore() ?? startup;
  s.bytes += n;
  check(s);
}
// Allocation guards on the bulk allocators. Each wrapper is also set as its prototype's
// constructor (so [].constructor and buf.constructor do not lead back to the unguarded one).
function guardConstructor(name, bytesOf) {
  const Original = globalThis[name];
  const Guarded = new Proxy(Original, {
    construct(target, args, newTarget) { charge(bytesOf(args, target)); return Reflect.construct(target, args, newTarget === Guarded ? target : newTarget); },
    apply(target, self, args) { charge(bytesOf(args, target)); return Reflect.apply(target, self, args); },
  });
  Object.defineProperty(Original.prototype, "constructor", { value: Guarded, writable: false, configurable: false, enumerable: false });
  Object.defineProperty(globalThis, name, { value: Guarded, writable: false, configurable: false, enumerable: false });
}
const lengthBytes = (per) => (args) => (typeof args[0] === "number" ? args[0] * per : 0);
guardConstructor("ArrayBuffer", lengthBytes(1));
if (typeof SharedArrayBuffer === "function") guardConstructor("SharedArrayBuffer", lengthBytes(1));
for (const name of ["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array"]) guardConstructor(name, (args, t) => (typeof args[0] === "number" ? args[0] * t.BYTES_PER_ELEMENT : 0));
guardConstructor("Array", (args) => (args.length === 1 && typeof args[0] === "number" ? args[0] * 8 : 0));
for (const [name, bytesOf] of [["repeat", (s, a) => s.length * Number(a[0]) * 2], ["padStart", (s, a) => Number(a[0]) * 2], ["padEnd", (s, a) => Number(a[0]) * 2]]) {
  const original = String.prototype[name];
  Object.defineProperty(String.prototype, name, { value: function (...args) { charge(bytesOf(String(this), args)); return original.apply(this, args); }, writable: false, configurable: false, enumerable: false });
}
const originalFrom = Array.from;
Object.defineProperty(Array, "from", { value: function (items, ...rest) { if (items && typeof items === "object" && typeof items.length === "number" && !(Symbol.iterator in items)) charge(items.length * 8); return originalFrom.call(this, items, ...rest); }, writable: false, configurable: false });
// The Cache API is not the skill's: nothing of one invocation may be left where another reads it.
Object.defineProperty(globalThis, "caches", { value: undefined, writable: false, configurable: false });
`;
}

export function mainSource(entry: string): string {
  return `import { WorkerEntrypoint } from "cloudflare:workers";
import { invocations, newBudget, SkillLimitError } from "./meter.js";
import * as skill from ${JSON.stringify(`../${entry}`)};
const LIMIT_CODES = { cpu: "skill_cpu_limit", memory: "skill_memory_limit", timeout: "skill_timeout" };
function limited(budget) {
  return { ok: false, code: LIMIT_CODES[budget.exceeded], message: new SkillLimitError(budget.exceeded).message, details: { steps: budget.steps, allocatedBytes: budget.bytes } };
}
export class SkillWorker extends WorkerEntrypoint {
  async invoke(tool, inputJson, maxOutputBytes) {
    const fn = Object.prototype.hasOwnProperty.call(skill, tool) ? skill[tool] : undefined;
    if (typeof fn !== "function") return { ok: false, code: "skill_tool_not_found", message: "The skill's code has no tool " + tool + "." };
    const budget = newBudget();
    let output;
    try {
      output = await invocations.run(budget, () => fn(JSON.parse(inputJson), { settings: { ...this.env } }));
    } catch (err) {
      if (budget.exceeded !== null) return limited(budget);
      return { ok: false, code: "skill_failed", message: String((err && err.message) || err).slice(0, 2000), details: { name: String((err && err.name) || "Error").slice(0, 100) } };
    }
    if (budget.exceeded !== null) return limited(budget);
    let json;
    try {
      json = JSON.stringify(output === undefined ? null : output);
    } catch (err) {
      return { ok: false, code: "skill_failed", message: "The tool's output is not JSON: " + String((err && err.message) || err).slice(0, 500) };
    }
    if (new TextEncoder().encode(json).byteLength > maxOutputBytes) return { ok: false, code: "skill_output_too_large", message: "The tool's output is larger than " + maxOutputBytes + " bytes.", details: { maxBytes: maxOutputBytes } };
    return { ok: true, json };
  }
}
export default { fetch() { return new Response("A skill isolate is called over RPC.", { status: 404 }); } };
`;
}

export function runtimeModules(entry: string, limits: HarnessLimits): Record<string, string> {
  return { [METER_MODULE]: meterSource(limits), [MAIN_MODULE]: mainSource(entry) };
}
