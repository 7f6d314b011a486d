#!/usr/bin/env node
/**
 * Starts the egress proxy's `wrangler dev` once the API and the dashboard are up (spawned by
 * `npm start` through scripts/lib/egress.mjs; argv is wrangler's). Why wait: each `wrangler dev`
 * picks its inspector port when it starts (9229, or a free one), and two processes starting in
 * the same instant can pick the same one ("Address already in use (socket direct:1:default)" —
 * the inspector proxy's socket — seen on this machine). Started after the others, with an
 * inspector port of its own, it cannot race them. It runs in npm start's process group for this child, so stopping the stack stops it.
 */
import net from "node:net";
import { INTERNAL_URL, WEB_INTERNAL_URL } from "./config.mjs";
import { spawnWrangler } from "./wrangler.mjs";

const DEADLINE = Date.now() + 120_000;

async function answers(url, ok) {
  try {
    return ok((await fetch(url, { signal: AbortSignal.timeout(5_000) })).status);
  } catch {
    return false;
  }
}

while (!((await answers(`${INTERNAL_URL}/health`, (s) => s === 200)) && (await answers(`${WEB_INTERNAL_URL}/`, (s) => s > 0)))) {
  if (Date.now() > DEADLINE) {
    console.error("egress: the API and dashboard did not come up within 120 s; not starting the egress proxy.");
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 250));
}
// Its own inspector port, picked now: wrangler's default (9229, else a free one it picks at start) is
// what two wrangler processes starting together collide on — the socket in that error message.
const inspectorPort = await new Promise((resolve, reject) => {
  const probe = net.createServer();
  probe.once("error", reject);
  probe.listen(0, "127.0.0.1", () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});
const child = spawnWrangler([...process.argv.slice(2), "--inspector-port", String(inspectorPort)], { stdio: ["ignore", "inherit", "inherit"] });
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
