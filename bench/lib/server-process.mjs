/**
 * Builds the two bench Workers with wrangler (`deploy --dry-run --outdir`: the exact bundle a
 * deploy would upload) and starts bench/server.mjs pinned to core 0.
 */
import { execFileSync, spawn } from "node:child_process";
import { dirname } from "node:path";
import { createInterface } from "node:readline";

const root = new URL("../../", import.meta.url).pathname;
const WRANGLER_ENV = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };

/**
 * (e) is built from the ROOT wrangler.toml (the API Worker's own config, so its bindings can never
 * drift from production's) with bench/workers/relay/index.ts as the entry point; (b)–(d) from
 * bench/workers/baselines/wrangler.toml.
 */
export function buildWorkers(outDir) {
  const wrangler = (name, wranglerArgs) => {
    execFileSync(
      process.execPath,
      [`${root}node_modules/wrangler/bin/wrangler.js`, "deploy", "--dry-run", "--outdir", `${outDir}/${name}`, ...wranglerArgs],
      { cwd: root, env: WRANGLER_ENV, stdio: ["ignore", "ignore", "inherit"] },
    );
    return `${outDir}/${name}/index.js`;
  };
  return {
    relay: wrangler("relay", ["-c", "wrangler.toml", "bench/workers/relay/index.ts"]),
    baselines: wrangler("baselines", ["-c", "bench/workers/baselines/wrangler.toml"]),
  };
}

/** @returns {Promise<{ urls: object, sql: Function, stop: Function, pid: number }>} */
export async function startServer({ relayScript, baselinesScript, stateDir, unlimitedRates, skipAlarm = false, core, inspectorPort }) {
  const child = spawn(
    "taskset",
    [
      "-c",
      String(core),
      process.execPath,
      `${root}bench/server.mjs`,
      relayScript,
      baselinesScript,
      stateDir,
      unlimitedRates ? "1" : "0",
      skipAlarm ? "1" : "0",
      inspectorPort ? String(inspectorPort) : "",
    ],
    {
      cwd: root,
      // Miniflare's own temporary files go where the state goes (tmpfs unless --disk).
      env: { ...process.env, TMPDIR: dirname(stateDir) },
      stdio: ["pipe", "pipe", "inherit"],
      detached: true,
    },
  );
  const lines = createInterface({ input: child.stdout });
  const waiting = new Map();
  let ready;
  const readyPromise = new Promise((resolve, reject) => {
    ready = resolve;
    child.once("exit", (code) => reject(new Error(`bench server exited (${code}) before it was ready`)));
  });
  lines.on("line", (line) => {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      return process.stderr.write(`[server] ${line}\n`);
    }
    if (msg.ready) return ready(msg);
    const w = waiting.get(msg.id);
    if (!w) return;
    waiting.delete(msg.id);
    msg.ok ? w.resolve(msg.result) : w.reject(new Error(msg.error));
  });
  const urls = await readyPromise;
  let nextId = 0;
  const command = (cmd, args = {}) =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      waiting.set(id, { resolve, reject });
      child.stdin.write(`${JSON.stringify({ id, cmd, ...args })}\n`);
    });
  return {
    urls,
    pid: child.pid,
    sql: (statements) => command("sql", { binding: "DB", worker: "switchboard-api", statements }),
    async stop() {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      command("stop").catch(() => {});
      const timer = setTimeout(() => process.kill(-child.pid, "SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
    kill() {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // gone
      }
    },
  };
}
