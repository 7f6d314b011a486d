import path from "node:path";
import { ROOT } from "../support/local-stack";

/** Debian's chromium (no browser download is possible on our machines); SWITCHBOARD_CHROMIUM overrides it. */
export const CHROMIUM_PATH = process.env.SWITCHBOARD_CHROMIUM || "/usr/bin/chromium";
/** One PNG per main screen, for people to look at (gitignored with the rest of test-results/). */
export const SCREENSHOT_DIR = path.join(ROOT, "test-results", "screenshots");
export const AXE_SCRIPT = path.join(ROOT, "node_modules", "axe-core", "axe.min.js");
/** Everything the stack under test printed (wrangler's request log, Worker errors): read it when a step fails. */
export const STACK_LOG = path.join(ROOT, "test-results", "browser-stack.log");
