/**
 * The egress proxy in the local stack (docs/egress.md, "Local development"), in one place:
 *
 * - the egress Worker runs as its own `wrangler dev` on SWITCHBOARD_EGRESS_PORT (8789), because
 *   agents must reach it over HTTP and a multi-config `wrangler dev` serves only its first Worker
 *   on a port. It shares the API's state directory (so the same local D1) and dev registry (so its
 *   `EGRESS_GATE` binding reaches the objects the API process hosts);
 * - the demo stub, a tiny HTTP server inside `npm start` on SWITCHBOARD_STUB_PORT (8790): the
 *   "internet" the demo agent may call. Agents name it `https://stub.switchboard.test` — a public-
 *   looking name the SSRF guard accepts — and the proxy, in development only, connects that one
 *   allowed host to the local port (EGRESS_DEV_UPSTREAMS), so the guard is never weakened;
 * - the demo's egress seed: the Engineering agent may GET the stub, and is live.
 */
import { spawn } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { DEV_REGISTRY_DIR, LISTEN_HOST, REPO_ROOT, STATE_DIR } from "./config.mjs";
import { nodeForWrangler, wranglerEnv } from "./wrangler.mjs";

function portFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${name}=${raw} is not a port number.`);
  return port;
}

export const EGRESS_PORT = portFromEnv("SWITCHBOARD_EGRESS_PORT", 8789);
export const STUB_PORT = portFromEnv("SWITCHBOARD_STUB_PORT", 8790);
export const EGRESS_PUBLIC_URL = `http://localhost:${EGRESS_PORT}`;
export const EGRESS_INTERNAL_URL = `http://${LISTEN_HOST}:${EGRESS_PORT}`;
/** The name agents use for the demo stub; only the local proxy maps it to STUB_PORT. */
export const STUB_HOST = "stub.switchboard.test";

/** @returns {import("./stack.mjs").StackProcess} */
export function egressProcess() {
  return {
    name: "Egress proxy (wrangler dev)",
    port: EGRESS_PORT,
    portEnv: "SWITCHBOARD_EGRESS_PORT",
    readyUrl: `${EGRESS_INTERNAL_URL}/health`,
    readyStatus: 200,
    publicUrl: EGRESS_PUBLIC_URL,
    // Through egress-dev.mjs, which gives it an inspector port of its own (it says why).
    start: () =>
      spawn(
        nodeForWrangler(),
        [
          path.join(REPO_ROOT, "scripts/lib/egress-dev.mjs"),
          "dev",
          "--config",
          "workers/egress/wrangler.toml",
          "--ip",
          LISTEN_HOST,
          "--port",
          String(EGRESS_PORT),
          "--persist-to",
          STATE_DIR,
          "--var",
          "ENVIRONMENT:development",
          "--var",
          `EGRESS_DEV_UPSTREAMS:${STUB_HOST}=http://${LISTEN_HOST}:${STUB_PORT}`,
          "--show-interactive-dev-session=false",
        ],
        {
          cwd: REPO_ROOT,
          detached: true,
          stdio: ["ignore", "inherit", "inherit"],
          env: wranglerEnv({ CLOUDFLARE_DEV_REGISTRY_PATH: DEV_REGISTRY_DIR }),
        },
      ),
  };
}

/**
 * The demo stub: answers every request with a small JSON description of it, so a demo call shows
 * what arrived (method, path, which headers — the injected credential's name, never its value).
 */
export function startDemoStub() {
  return new Promise((resolve, reject) => {
    const server = http.createServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          ok: true,
          service: "switchboard demo stub",
          method: req.method,
          path: req.url,
          headerNames: Object.keys(req.headers).sort(),
          at: new Date().toISOString(),
        }),
      );
    });
    server.once("error", reject);
    server.listen(STUB_PORT, LISTEN_HOST, () => resolve(server));
  });
}

/** The demo's egress grant (idempotent): Engineering may GET the stub, and is switched to live. */
export async function seedEgress(api, base, agents, created) {
  const engineering = agents.find((a) => a.name === "Engineering");
  if (!engineering) return null;
  const egress = await api.get(`${base}/agents/${engineering.id}/egress`);
  if (!egress.rules.some((r) => r.host === STUB_HOST)) {
    await api.post(`${base}/agents/${engineering.id}/egress/rules`, {
      host: STUB_HOST,
      methods: ["GET", "HEAD"],
      description: "The local demo stub (npm start)",
    });
    created.push(`egress rule ${engineering.name} → ${STUB_HOST}`);
  }
  if (egress.mode !== "live") {
    await api.put(`${base}/agents/${engineering.id}/egress/mode`, { mode: "live" });
    created.push(`egress live for ${engineering.name}`);
  }
  return engineering.id;
}
