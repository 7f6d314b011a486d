/**
 * The skill-runtime benchmark's Worker (run by bench/skill-runtime.mjs in Miniflare/workerd): the
 * real `runTool` (workers/api/src/skill-runtime/loader.ts: analysis and instrumentation, the
 * harness, the Worker Loader, RPC, output checks) against the same function called in-process.
 *
 *   GET /__bench/inproc   the tool's function called in this Worker (the baseline)
 *   GET /__bench/warm     runTool with one isolate id: the warm path (isolate reused)
 *   GET /__bench/cold-isolate  runTool with a new isolate id, the code already analysed in this
 *                         Worker: the isolate start alone (a new caller of a version already run here)
 *   GET /__bench/cold     runTool with a new id and a new content hash every time: isolate start
 *                         plus the first analysis of the code (what the first call of a version costs)
 *
 * The tool makes no network call (globalOutbound null), so the figures are the runtime's own cost;
 * the egress proxy's is bench/egress.mjs's.
 */
import { runTool } from "../workers/api/src/skill-runtime/loader";
import type { StoredSkillCode } from "../workers/shared/skills/code/package";

const SOURCE = `export async function summarize(input) {
  let total = 0;
  for (const item of input.items) total += item.n;
  return { count: input.items.length, total, first: input.items[0]?.name ?? null };
}`;

// The in-process baseline: the same function, compiled into this Worker.
async function summarize(input: { items: Array<{ n: number; name: string }> }) {
  let total = 0;
  for (const item of input.items) total += item.n;
  return { count: input.items.length, total, first: input.items[0]?.name ?? null };
}

const CODE: StoredSkillCode = {
  format: 1,
  name: "bench",
  version: "1.0.0",
  entry: "index.js",
  modules: { "index.js": SOURCE },
  tools: [{ name: "summarize", description: "Sums.", inputSchema: { type: "object" }, outputSchema: { type: "object" } }],
};
const INPUT = { items: Array.from({ length: 20 }, (_, i) => ({ n: i, name: `item-${i}` })) };
let coldCounter = 0;

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const path = new URL(request.url).pathname;
    if (path === "/__bench/inproc") return Response.json(await summarize(INPUT));
    if (path === "/__bench/warm" || path === "/__bench/cold" || path === "/__bench/cold-isolate") {
      const fresh = `${Date.now()}-${coldCounter++}`;
      const hash = path === "/__bench/cold" ? `cold-${fresh}` : "warm";
      const id = path === "/__bench/warm" ? "bench:warm" : `bench:${fresh}`;
      const outcome = await runTool(env, {
        id,
        hash,
        code: async () => CODE,
        settings: {},
        outbound: null,
        tool: "summarize",
        input: INPUT,
      });
      if (!outcome.ok) return Response.json(outcome, { status: 500 });
      return Response.json(outcome.output);
    }
    return new Response("not found", { status: 404 });
  },
};
