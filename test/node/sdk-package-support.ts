/**
 * The SDK as a user gets it: built (`npm run build`), packed (`npm pack`), and installed from the
 * tarball into a new project in the OS temp directory — outside the repo, so nothing can resolve
 * through the workspace. The install is `--offline`: the tarball plus its peer `zod` from the npm
 * cache (CI ran `npm ci` first, which put zod there).
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { ROOT } from "../support/local-stack";

const run = promisify(execFile);

/** npm run from a vitest started by npm inherits `npm_config_*` (workspace, prefix…): drop them. */
export function cleanEnv(extra: Record<string, string> = {}) {
  const env = { ...process.env, ...extra };
  for (const key of Object.keys(env)) if (key.toLowerCase().startsWith("npm_") && !(key in extra)) delete env[key];
  return env;
}

export async function npm(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run("npm", args, { cwd, env: cleanEnv(), maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

export interface PackedSdk {
  /** Temp directory holding the tarball and the app (remove it when done). */
  dir: string;
  tarball: string;
  /** A fresh `"type": "module"` project with the tarball installed. */
  app: string;
}

export async function packAndInstallSdk(): Promise<PackedSdk> {
  await npm(["run", "build"], ROOT);
  const dir = mkdtempSync(path.join(tmpdir(), "switchboard-sdk-pack-"));
  // The build just ran: skip prepack's second build.
  await npm(["pack", "--ignore-scripts", "--pack-destination", dir], path.join(ROOT, "sdk"));
  const tarball = path.join(dir, readdirSync(dir).find((f) => f.endsWith(".tgz"))!);
  const app = path.join(dir, "app");
  mkdirSync(app);
  writeFileSync(
    path.join(app, "package.json"),
    JSON.stringify({ name: "my-agent", version: "1.0.0", private: true, type: "module" }, null, 2),
  );
  await npm(["install", "--offline", "--no-audit", "--no-fund", tarball], app);
  return { dir, tarball, app };
}
