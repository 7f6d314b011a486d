/**
 * Runs `npm start` — the real local stack, exactly as a developer starts it — on free ports with
 * an empty temporary state directory and its own dashboard build, so a test never touches (or is
 * disturbed by) a stack someone is already running. Shared by the stack smoke test and the
 * browser tests' global setup.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
/** start.mjs prints these around its banner; the banner is complete once both appeared. */
const READY = "Switchboard is running";
const BANNER_END = "Press Ctrl-C to stop.";

export interface LocalStack {
  child: ChildProcess;
  /** Everything npm start printed so far (stdout and stderr). */
  readonly output: string;
  apiPort: number;
  webPort: number;
  /** The egress proxy (its own wrangler dev) and the demo stub it may call (scripts/lib/egress.mjs). */
  egressPort: number;
  egressUrl: string;
  stubPort: number;
  /** http://127.0.0.1:<port>: what the scripts use (no IPv6-first `localhost` surprises). */
  apiUrl: string;
  /** http://localhost:<port>: the dashboard as the banner prints it and people open it. */
  dashboardUrl: string;
  stateDir: string;
  tenantId: string;
  /** SIGTERM to the whole process group, SIGKILL after a grace period; removes the temp dirs. */
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Resolves once the process has exited AND every process holding its stdout/stderr pipes has
 * closed them: wrangler and workerd inherit those pipes, so this waits for the whole stack.
 */
export function closed(child: ChildProcess): Promise<void> {
  if (child.stdout!.closed && child.stderr!.closed && (child.exitCode !== null || child.signalCode !== null)) return Promise.resolve();
  return new Promise((resolve) => child.once("close", () => resolve()));
}

export function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

/**
 * @param oidcPort run the local OpenID provider on this port and connect the demo tenant's SSO to it.
 * @param logFile also write everything the stack prints to this file (wrangler's request log and
 *   errors), for reading after a failed test: vitest shows only the test's own output.
 */
export async function startLocalStack({
  timeoutMs = 180_000,
  logFile,
  oidcPort,
}: {
  timeoutMs?: number;
  logFile?: string;
  oidcPort?: number;
} = {}): Promise<LocalStack> {
  const [apiPort, webPort, egressPort, stubPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  // Set per stack, never through process.env: the node and browser projects share one process,
  // and a stack started by one must not inherit another's OpenID provider (CI saw exactly that).
  const oidcEnv = oidcPort
    ? { SWITCHBOARD_OIDC: "1", SWITCHBOARD_OIDC_PORT: String(oidcPort) }
    : { SWITCHBOARD_OIDC: "", SWITCHBOARD_OIDC_PORT: String(await freePort()) };
  const stateDir = mkdtempSync(path.join(tmpdir(), "switchboard-stack-"));
  const child = spawn("npm", ["start"], {
    cwd: ROOT,
    env: {
      ...process.env,
      SWITCHBOARD_PORT: String(apiPort),
      SWITCHBOARD_WEB_PORT: String(webPort),
      SWITCHBOARD_EGRESS_PORT: String(egressPort),
      SWITCHBOARD_STUB_PORT: String(stubPort),
      ...oidcEnv,
      SWITCHBOARD_STATE_DIR: stateDir,
      SWITCHBOARD_WEB_DIST: path.join(stateDir, "web-dist"),
      // The local Stripe fake (docs/billing.md) on a port of its own too.
      SWITCHBOARD_STRIPE_FAKE_PORT: String(await freePort()),
    },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, so stop() reaches npm, node, wrangler and workerd together.
    detached: true,
  });
  let output = "";
  if (logFile) {
    mkdirSync(path.dirname(logFile), { recursive: true });
    writeFileSync(logFile, "");
  }
  const collect = (chunk: Buffer) => {
    output += chunk;
    if (logFile) appendFileSync(logFile, chunk);
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);

  const stop = async () => {
    if (!(child.stdout!.closed && child.stderr!.closed)) {
      killGroup(child, "SIGTERM");
      const timer = setTimeout(() => killGroup(child, "SIGKILL"), 10_000);
      await closed(child);
      clearTimeout(timer);
    }
    rmSync(stateDir, { recursive: true, force: true });
  };

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start printed no banner within ${timeoutMs / 1000} s:\n${output}`)), timeoutMs);
      const check = () => {
        if (output.includes(READY) && output.includes(BANNER_END)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on("data", check);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`npm start exited with ${code} before the banner:\n${output}`));
      });
    });
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    child,
    get output() {
      return output;
    },
    apiPort,
    webPort,
    egressPort,
    egressUrl: `http://127.0.0.1:${egressPort}`,
    stubPort,
    apiUrl: `http://127.0.0.1:${apiPort}`,
    dashboardUrl: `http://localhost:${webPort}`,
    stateDir,
    tenantId: output.match(/Demo tenant\s+(\S+)/)![1]!,
    stop,
  };
}
