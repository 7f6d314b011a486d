/**
 * Global setup of the `browser` project: checks Chromium is there (a clear failure, not a hang,
 * when it is not), starts the real local stack ONCE with `npm start` on free ports and an empty
 * temporary state directory (test/support/local-stack.ts), hands its addresses to the test files,
 * and stops it afterwards.
 */
import { accessSync, constants, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { ROOT, startLocalStack } from "../support/local-stack";
import { CHROMIUM_PATH, SCREENSHOT_DIR, STACK_LOG } from "./config";
// @ts-expect-error: a plain .mjs module shared with scripts/ (no types)
import { freePort } from "../../scripts/lib/oidc-dev-provider.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    /** http://localhost:<port> — the dashboard, as people open it. */
    dashboardUrl: string;
    /** http://127.0.0.1:<port> — the API Worker itself, where agents connect (relay WebSockets, agent tokens). */
    apiUrl: string;
    /** The stack's state directory (local D1), for the few things only a shell can do (granting operator). */
    stateDir: string;
    /** The local OpenID provider the stack runs for SSO (SWITCHBOARD_OIDC=1, docs/sso.md). */
    oidcIssuer: string;
    /** http://127.0.0.1:<port> — the egress proxy (agents' outbound calls). */
    egressUrl: string;
  }
}

function assertChromium() {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new Error(
      `The browser tests need Chromium at ${CHROMIUM_PATH}, and there is none (or it is not executable).\n` +
        `  Debian/Ubuntu: sudo apt-get install chromium   (CI's .ci/run installs it)\n` +
        `  Elsewhere: point SWITCHBOARD_CHROMIUM at a Chromium or Chrome binary.\n` +
        `  To run everything else: npx vitest run --project workers --project node`,
    );
  }
}

export default async function setup(project: TestProject) {
  assertChromium();
  rmSync(SCREENSHOT_DIR, { recursive: true, force: true });
  mkdirSync(SCREENSHOT_DIR, { recursive: true });

  // The stack also runs the local OpenID provider and connects the demo tenant's SSO to it.
  const oidcPort = await freePort();
  const stack = await startLocalStack({ logFile: STACK_LOG, oidcPort });
  project.provide("oidcIssuer", `http://127.0.0.1:${oidcPort}`);
  project.provide("dashboardUrl", stack.dashboardUrl);
  project.provide("apiUrl", stack.apiUrl);
  project.provide("stateDir", stack.stateDir);
  project.provide("egressUrl", stack.egressUrl);
  process.stdout.write(
    `browser tests: stack on ${stack.dashboardUrl} (API ${stack.apiUrl}), its log in ${path.relative(ROOT, STACK_LOG)}; screenshots in ${path.relative(ROOT, SCREENSHOT_DIR)}/\n`,
  );

  return async () => {
    await stack.stop();
  };
}
