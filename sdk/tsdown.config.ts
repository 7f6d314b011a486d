/**
 * The SDK's build (decision: docs/decisions.md, "The SDK is a built package"). tsdown bundles the
 * source into one ESM file plus one bundled `.d.ts`. `@switchboard/protocol` is a devDependency,
 * so tsdown inlines it — code and types — and the published package never reaches outside itself;
 * `zod` and `ws` are peer dependencies and stay imports.
 */
import { defineConfig } from "tsdown";

export default defineConfig({
  entry: ["src/index.ts"],
  format: "esm",
  // Browsers, Workers and Node alike: the SDK uses no Node built-in.
  platform: "neutral",
  target: "es2022",
  dts: { eager: true },
  clean: true,
  sourcemap: false,
});
