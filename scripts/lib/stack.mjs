/**
 * The processes `npm start` runs, as data, so adding one is a list entry rather than new control
 * flow. Only the API exists today. Further Workers join the SAME `wrangler dev` session as extra
 * `-c workers/<name>/wrangler.toml` configs (STACK.md: the first config serves the port, the
 * others are reached through service bindings); the dashboard (Vite) will be its own entry.
 */
import { API_PORT, INTERNAL_URL, LISTEN_HOST, PUBLIC_URL, STATE_DIR } from "./config.mjs";
import { spawnWrangler } from "./wrangler.mjs";

/**
 * @typedef {object} StackProcess
 * @property {string} name        shown in messages
 * @property {number} port        must be free before start
 * @property {string} readyUrl    answers 200 once the process serves
 * @property {string} publicUrl   printed in the banner
 * @property {() => import("node:child_process").ChildProcess} start
 */

/** @returns {StackProcess[]} */
export function stackProcesses() {
  return [
    {
      name: "API Worker (wrangler dev)",
      port: API_PORT,
      readyUrl: `${INTERNAL_URL}/health`,
      publicUrl: PUBLIC_URL,
      start: () =>
        spawnWrangler(
          [
            "dev",
            "--config", "wrangler.toml",
            "--ip", LISTEN_HOST,
            "--port", String(API_PORT),
            "--persist-to", STATE_DIR,
            // We own the terminal: no hotkey prompt, and Ctrl-C reaches us rather than wrangler's key handler.
            "--show-interactive-dev-session=false",
          ],
          { detached: true, stdio: ["ignore", "inherit", "inherit"] },
        ),
    },
  ];
}
