import { STATE_DIR } from "./config.mjs";
import { runWrangler } from "./wrangler.mjs";

/**
 * Applies pending D1 migrations to the local database in STATE_DIR (the directory `wrangler dev`
 * is given too, or it would not see them). Resolves with the names of the migrations applied.
 */
export async function migrateLocal() {
  let output;
  try {
    output = await runWrangler(["d1", "migrations", "apply", "switchboard", "--local", "--persist-to", STATE_DIR]);
  } catch (err) {
    throw new Error(`applying D1 migrations failed.\n${err.output ?? err.message}`);
  }
  // wrangler prints a status table after each migration: collect the names marked done, once each.
  return [...new Set([...output.matchAll(/(\d{4}_[\w-]+\.sql)\s*│\s*✅/g)].map((m) => m[1]))];
}
