/**
 * The core bundle's code carries its content hash written out (core-code/index.ts: tenant creation
 * cannot wait for a digest). This recomputes each one, so changing a core skill's code, tools or
 * manifest without a new hash — and so a new version — fails here.
 */
import { describe, expect, it } from "vitest";
import { CORE_BUNDLE } from "../../workers/shared/skills/core-bundle";
import { analyzePackage } from "../../workers/shared/skills/code/analyze";
import { contentHash } from "../../workers/shared/skills/code/package";
import { ToolListSchema } from "../../workers/shared/skills/code/tools";
import { CORE_CODE } from "../../workers/shared/skills/core-code";
import { SkillManifestSchema } from "../../workers/shared/skills/manifest";

describe("core skills with code", () => {
  it.each(Object.keys(CORE_CODE))("%s: hash, tools and code are what the runtime accepts", async (key) => {
    const core = CORE_CODE[key]!;
    const manifest = SkillManifestSchema.parse(CORE_BUNDLE.find((m) => `${m.name}@${m.version}` === key));
    expect(ToolListSchema.safeParse(core.code.tools).success).toBe(true);
    expect(analyzePackage(core.code.modules, core.code.entry).ok).toBe(true);
    expect(core.contentHash).toBe(await contentHash(manifest, core.code.modules, core.code.tools));
  });
});
