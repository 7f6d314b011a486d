/**
 * Builds the dashboard (`npm run build -w web`: Vite) into WEB_DIST before `wrangler pages dev`
 * serves it. Always a full build: it takes a few seconds, and serving a stale build after a
 * `git pull` would be a worse surprise than the wait.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { REPO_ROOT, WEB_DIST } from "./config.mjs";

/** Resolves with the build's duration in ms; rejects with Vite's output if it fails. */
export function buildDashboard() {
  const started = Date.now();
  // --outDir is absolute, so the build can go outside web/ (tests); --emptyOutDir clears it there too.
  const args = ["run", "build", "-w", "web", "--", "--outDir", path.resolve(WEB_DIST), "--emptyOutDir"];
  return new Promise((resolve, reject) => {
    // Always a production build: a parent's NODE_ENV (vitest sets "test") would otherwise give
    // React's development build, with StrictMode's doubled effects.
    const env = { ...process.env, NODE_ENV: "production" };
    const child = spawn("npm", args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"], env });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", (err) => reject(new Error(`could not run npm to build the dashboard: ${err.message}`)));
    child.on("close", (code) => {
      if (code === 0) resolve(Date.now() - started);
      else reject(new Error(`building the dashboard (npm ${args.join(" ")}) failed with code ${code}:\n${output.trim()}`));
    });
  });
}
