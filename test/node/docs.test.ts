/**
 * Generated artefacts must match their sources: docs/errors.md ↔ the error catalogue, and
 * d1-migrations/ ↔ the drizzle schema (a schema change without `npm run db:generate` would
 * otherwise ship a Worker whose queries hit columns the database does not have).
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { renderErrorsDoc } from "../../scripts/errors-doc";
import { ERROR_CATALOGUE } from "../../workers/shared/errors/catalogue";

const ROOT = path.resolve(import.meta.dirname, "../..");

describe("docs/errors.md", () => {
  const committed = readFileSync(path.join(ROOT, "docs/errors.md"), "utf8");

  it("is what `npm run docs:errors` generates from the catalogue (run it after changing a code)", () => {
    expect(committed).toBe(renderErrorsDoc());
  });

  it("lists every code with its HTTP status", () => {
    for (const [code, { status }] of Object.entries(ERROR_CATALOGUE)) {
      expect(committed).toContain(`| \`${code}\` | ${status} |`);
    }
  });
});

describe("d1-migrations/", () => {
  const work = mkdtempSync(path.join(tmpdir(), "switchboard-drizzle-check-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  /**
   * Runs `drizzle-kit generate` with the repo's own config, but writing into `outDir`, and
   * returns the files it leaves there. drizzle-kit 0.31 mangles an absolute `out` ("./" + path),
   * so `out` is given relative to the repo root, where drizzle-kit runs.
   */
  function generateInto(outDir: string): { output: string; files: string[] } {
    const config = path.join(path.dirname(outDir), `${path.basename(outDir)}.config.ts`);
    writeFileSync(
      config,
      `import base from ${JSON.stringify(path.join(ROOT, "drizzle.config.ts"))};\n` +
        `export default { ...base, out: ${JSON.stringify(path.relative(ROOT, outDir))} };\n`,
    );
    const output = execFileSync(process.execPath, [path.join(ROOT, "node_modules/drizzle-kit/bin.cjs"), "generate", "--config", config], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    return { output, files: readdirSync(outDir, { recursive: true }).map(String).sort() };
  }

  it("is up to date with workers/shared/db/schema.ts (else run `npm run db:generate`)", () => {
    const copy = path.join(work, "current");
    cpSync(path.join(ROOT, "d1-migrations"), copy, { recursive: true });
    const before = readdirSync(copy, { recursive: true }).map(String).sort();
    const { output, files } = generateInto(copy);
    expect(files, `drizzle-kit generated a new migration, so the schema has changes d1-migrations/ lacks:\n${output}`).toEqual(before);
    expect(output).toContain("No schema changes");
  });

  it("would notice a missing migration (the check above can fail)", () => {
    const empty = path.join(work, "empty");
    mkdirSync(empty);
    const { files } = generateInto(empty);
    expect(files.some((f) => f.endsWith(".sql"))).toBe(true);
  });
});

describe("sdk/README.md quick start", () => {
  const readme = readFileSync(path.join(ROOT, "sdk/README.md"), "utf8");
  const quickStart = /```ts\n([\s\S]*?)```/.exec(readme)![1]!;

  it('says how to run it: top-level await needs an ES module ("type": "module")', () => {
    expect(quickStart).toMatch(/^await /m);
    const intro = readme.slice(0, readme.indexOf(quickStart));
    expect(intro).toContain('"type": "module"');
  });

  it("compiles as an ES module, and not as CommonJS (why the README says so)", async () => {
    const ts = (await import("typescript")).default;
    const dir = mkdtempSync(path.join(tmpdir(), "switchboard-quickstart-"));
    try {
      const compile = (packageType: "module" | "commonjs") => {
        writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: packageType }));
        const file = path.join(dir, "agent.ts");
        writeFileSync(file, quickStart.replace('"@switchboard/sdk"', JSON.stringify(path.join(ROOT, "sdk/src/index.ts"))));
        const program = ts.createProgram([file], {
          module: ts.ModuleKind.NodeNext,
          moduleResolution: ts.ModuleResolutionKind.NodeNext,
          target: ts.ScriptTarget.ES2022,
          noEmit: true,
          skipLibCheck: true,
          allowImportingTsExtensions: true,
          types: ["node"],
          typeRoots: [path.join(ROOT, "node_modules/@types")],
        });
        return ts
          .getPreEmitDiagnostics(program)
          .filter((d) => d.file?.fileName === file)
          .map((d) => d.code);
      };
      expect(compile("module")).toEqual([]);
      expect(compile("commonjs")).toContain(1309); // "top-level 'await' expressions are only allowed when … module"
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
