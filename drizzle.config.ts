import { defineConfig } from "drizzle-kit";

// drizzle-kit 0.31 writes flat `NNNN_name.sql` files that wrangler and readD1Migrations both read.
export default defineConfig({
  dialect: "sqlite",
  schema: "./workers/shared/db/schema.ts",
  out: "./d1-migrations",
});
