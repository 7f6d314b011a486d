#!/usr/bin/env node
/**
 * Copies the API reference UI (Redoc's standalone bundle) from the pinned `@redocly/cli`
 * devDependency into the API Worker's static assets (`workers/api/public/docs/assets/`), which
 * Cloudflare serves beside the Worker: `/docs` works with no CDN and no internet, and the Worker
 * itself stays small (the bundle is ~2.3 MB; a Worker script is capped at 3 MB on the free plan).
 *
 * Run by wrangler before `wrangler dev` and `wrangler deploy` (`[build]` in wrangler.toml), and by
 * the test config. The copy is not committed (.gitignore): it is build output of a pinned package.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** Where @redocly/cli keeps the Redoc bundle it serves with `build-docs`. Pinned with the package version. */
export const REDOC_SOURCE = path.join(ROOT, "node_modules/@redocly/cli/lib/chunks/redoc.standalone.js");
export const REDOC_TARGET = path.join(ROOT, "workers/api/public/docs/assets/redoc.standalone.js");

/** @returns {{ copied: boolean, version: string }} */
export function copyDocsAssets() {
  if (!existsSync(REDOC_SOURCE)) {
    throw new Error(
      `${path.relative(ROOT, REDOC_SOURCE)} is missing: run \`npm install\` (the API reference UI comes from the @redocly/cli devDependency).`,
    );
  }
  const source = readFileSync(REDOC_SOURCE);
  const version = /Version: ([\w.-]+)/.exec(source.subarray(0, 400).toString())?.[1] ?? "unknown";
  if (existsSync(REDOC_TARGET) && readFileSync(REDOC_TARGET).equals(source)) return { copied: false, version };
  mkdirSync(path.dirname(REDOC_TARGET), { recursive: true });
  copyFileSync(REDOC_SOURCE, REDOC_TARGET);
  return { copied: true, version };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  try {
    const { copied, version } = copyDocsAssets();
    if (copied) console.log(`API reference UI: Redoc ${version} copied to ${path.relative(ROOT, REDOC_TARGET)}`);
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
