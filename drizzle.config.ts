import { defineConfig } from "drizzle-kit";

/** `npm run db:generate -- --name <what_changed>` writes the next numbered migration. */
export default defineConfig({
  dialect: "sqlite",
  schema: "./shared/db/schema.ts",
  out: "./migrations",
});
