/**
 * The repo's formatter and linter (Biome, biome.json) as part of `npm test`: any file that is not
 * formatted, or that breaks a lint rule at error level, fails here with Biome's own report.
 * Fix with `npm run format` (formatting) or by hand (lint); docs/decisions.md says which rules are off and why.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect, it } from "vitest";
import { ROOT } from "../support/local-stack";

it("every file is formatted and passes the lint rules (npm run lint)", () => {
  const biome = path.join(ROOT, "node_modules", "@biomejs", "biome", "bin", "biome");
  const run = spawnSync(process.execPath, [biome, "ci", ".", "--diagnostic-level=error", "--colors=off"], { cwd: ROOT, encoding: "utf8" });
  expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
});
