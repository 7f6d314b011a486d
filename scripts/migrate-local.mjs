#!/usr/bin/env node
/** `npm run db:migrate:local`: apply pending D1 migrations to the local database (SWITCHBOARD_STATE_DIR, default .wrangler/state). */
import { displayPath, STATE_DIR } from "./lib/config.mjs";
import { migrateLocal } from "./lib/migrate.mjs";

try {
  const applied = await migrateLocal();
  console.log(applied.length ? `Applied to ${displayPath(STATE_DIR)}: ${applied.join(", ")}` : `${displayPath(STATE_DIR)}: up to date`);
} catch (err) {
  console.error(err.message);
  process.exitCode = 1;
}
