#!/usr/bin/env node
/**
 * Starts the egress proxy's `wrangler dev` with an inspector port of its own (spawned by
 * `npm start` through scripts/lib/egress.mjs; argv is wrangler's). Why: each `wrangler dev` picks
 * its inspector port when it starts (9229, or a free one it probes), and two processes starting in
 * the same instant can pick the same one — "Address already in use (socket direct:1:default)", the
 * inspector proxy's socket, seen on this machine when the egress process started beside the API.
 * With a port chosen here it starts in parallel with the others. It runs in npm start's process
 * group for this child, so stopping the stack stops it.
 */
import net from "node:net";
import { spawnWrangler } from "./wrangler.mjs";

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
const child = spawnWrangler([...process.argv.slice(2), "--inspector-port", String(inspectorPort)], {
  stdio: ["ignore", "inherit", "inherit"],
});
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
