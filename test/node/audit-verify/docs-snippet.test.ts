/**
 * "A third party can recompute every hash from the docs alone": the 30-line verifier printed in
 * docs/audit.md is taken from the document as it is and run (with only the `canonicalize`
 * package) on exports made the way the platform makes them — blocks, and v1 entries followed by
 * blocks — and on a tampered one.
 */
import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { archiveLines, buildTrail, type Trail } from "./fixtures";

const ROOT = process.cwd();
let trail: Trail | undefined;
let script: string | undefined;
afterEach(async () => {
  await trail?.cleanup();
  if (script) await rm(script, { force: true });
});

async function snippet(): Promise<string> {
  const doc = await readFile(join(ROOT, "docs/audit.md"), "utf8");
  const at = doc.indexOf("A complete verifier for a JSONL export");
  const block = /```js\n([\s\S]*?)```/.exec(doc.slice(at));
  if (at < 0 || !block) throw new Error("docs/audit.md no longer prints the export verifier");
  // In the repository root, so `canonicalize` resolves from node_modules as it would in a reader's project.
  script = join(ROOT, `.docs-verifier-${process.pid}.mjs`);
  await writeFile(script, block[1]!);
  return script;
}

async function run(file: string): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [await snippet(), file], { cwd: ROOT });
    return { code: 0, out: stdout, err: stderr };
  } catch (e: any) {
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

describe("the export verifier printed in docs/audit.md", () => {
  it("verifies an export of blocks, and reports an edited entry", async () => {
    trail = await buildTrail(
      [
        ["2026-11-26", 5],
        ["2026-11-27", 4],
      ],
      { scheme: 2, blockSize: 3 },
    );
    const lines = [...(await archiveLines(trail, "2026-11-26")), ...(await archiveLines(trail, "2026-11-27"))];
    const file = join(trail.dir, "export.jsonl");
    await writeFile(file, lines.map((l) => `${l}\n`).join(""));
    const ok = await run(file);
    expect(ok.err).toBe("");
    expect(ok.out).toContain(`intact: seq 1–9, head ${trail.digests.get("2026-11-27")!.lastHash}`);

    await writeFile(file, lines.map((l, i) => `${i === 3 ? l.replace("agent.created", "agent.deleted") : l}\n`).join(""));
    const bad = await run(file);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain("seq 4 altered");
  });

  it("verifies a chain that starts with v1 entries and goes on in blocks (an upgraded tenant)", async () => {
    const v1 = await buildTrail([["2026-11-26", 3]]);
    const v2 = await buildTrail(
      [
        ["2026-11-26", 3],
        ["2026-11-27", 4],
      ],
      { scheme: 2, blockSize: 2 },
    );
    // Re-link: the v2 fixture is its own chain; splice its blocks after the v1 entries by rebuilding them.
    const { blockHash, hashEntry, merkleRoot } = await import("../../../workers/shared/audit/chain");
    const first = (await archiveLines(v1, "2026-11-26")).map((l) => JSON.parse(l));
    const later = (await archiveLines(v2, "2026-11-27")).map((l) => JSON.parse(l));
    let prevHash = first.at(-1).hash;
    const rebuilt: unknown[] = [];
    for (let i = 0; i < later.length; i += 2) {
      const group = later.slice(i, i + 2).map((e: any) => ({ ...e, chainId: first[0].chainId, tenantId: first[0].tenantId }));
      for (const e of group) e.hash = await hashEntry(e);
      const root = await merkleRoot(group.map((e: any) => e.hash));
      const fromSeq = group[0].seq;
      const toSeq = group.at(-1).seq;
      const hash = await blockHash({ chainId: first[0].chainId, fromSeq, toSeq, prevHash, root });
      for (const e of group) rebuilt.push({ ...e, block: { fromSeq, toSeq, prevHash, root, hash } });
      prevHash = hash;
    }
    const file = join(v1.dir, "mixed.jsonl");
    await writeFile(file, [...first, ...rebuilt].map((e) => `${JSON.stringify(e)}\n`).join(""));
    trail = v1;
    const ok = await run(file);
    expect(ok.err).toBe("");
    expect(ok.out).toContain(`intact: seq 1–7, head ${prevHash}`);
    await v2.cleanup();
  });
});
