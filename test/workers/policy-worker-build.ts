/**
 * The policy Worker (workers/policy) for the workers test project: bundled with esbuild (the
 * `.wasm` kept as a separate file, which Miniflare loads as a compiled module, as wrangler does)
 * and run as an auxiliary Worker named like the deployed one, so the API's `POLICY` service binding
 * from wrangler.toml resolves to it. Auxiliary Workers are not bundled by the Vitest integration.
 */
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export async function buildPolicyWorker() {
  const outdir = path.join(ROOT, ".wrangler", "test-policy-worker");
  const result = await build({
    entryPoints: [path.join(ROOT, "workers/policy/src/index.ts")],
    outdir,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    mainFields: ["module", "main"],
    conditions: ["workerd", "worker", "browser", "import"],
    external: ["cloudflare:*", "node:*"],
    loader: { ".wasm": "copy" },
    logLevel: "warning",
    metafile: true,
  });
  // The bundle and the wasm file(s) it imports, as explicit modules (Miniflare 5 has no module rules).
  const outputs = Object.keys(result.metafile.outputs).map((f) => path.resolve(ROOT, f));
  const main = outputs.find((f) => f.endsWith(".js"))!;
  return {
    name: "switchboard-policy",
    modulesRoot: outdir,
    modules: [
      { type: "ESModule" as const, path: main },
      ...outputs.filter((f) => f.endsWith(".wasm")).map((f) => ({ type: "CompiledWasm" as const, path: f })),
    ],
    compatibilityDate: "2026-11-01",
    compatibilityFlags: ["nodejs_compat"],
  };
}
