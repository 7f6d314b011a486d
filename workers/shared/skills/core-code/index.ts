/**
 * The core bundle's code, shipped inside the API Worker (no R2 object): keyed `name@version`, each
 * with its content hash written out, because tenant creation puts the core bundle in one D1 batch
 * and cannot wait for a digest. `core-code.test.ts` recomputes every hash, so a change to the
 * code, tools or manifest without a new hash (and a new version) fails the tests.
 */
import { CORE_BUNDLE } from "../core-bundle";
import { SkillManifestSchema } from "../manifest";
import { codeBytes, type StoredSkillCode } from "../code/package";
import type { ToolDefinition } from "../code/tools";
import { GITHUB_MODULES, GITHUB_TOOLS } from "./github";
import { WEB_FETCH_MODULES, WEB_FETCH_TOOLS } from "./web-fetch";

export interface CoreCode {
  code: StoredSkillCode;
  contentHash: string;
  codeBytes: number;
}

const SOURCES: Record<string, { modules: Record<string, string>; tools: ToolDefinition[]; contentHash: string }> = {
  "github@1.1.0": {
    modules: GITHUB_MODULES,
    tools: GITHUB_TOOLS,
    contentHash: "703fb7a38488efccb4441fe6f5652efca26abadc0c04e7ef2207832ce4daf03b",
  },
  "web-fetch@1.1.0": {
    modules: WEB_FETCH_MODULES,
    tools: WEB_FETCH_TOOLS,
    contentHash: "cf12126231a621a15ed205a453bd0efc8776c1be9117d28aa0a2218bc74f8bac",
  },
};

export const CORE_CODE: Record<string, CoreCode> = Object.fromEntries(
  Object.entries(SOURCES).map(([key, src]) => {
    const manifest = SkillManifestSchema.parse(CORE_BUNDLE.find((m) => `${m.name}@${m.version}` === key));
    const code: StoredSkillCode = {
      format: 1,
      name: manifest.name,
      version: manifest.version,
      entry: manifest.handler!.entry,
      modules: src.modules,
      tools: src.tools,
    };
    return [key, { code, contentHash: src.contentHash, codeBytes: codeBytes(src.modules) }];
  }),
);
