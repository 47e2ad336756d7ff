import { defineConfig } from 'drizzle-kit';

// Migrations are generated from the schema files in db/schema/ (one per area; db/schema.ts
// re-exports them) with `npm run db:generate` and committed; the service applies them at start
// on PGlite and PostgreSQL alike (db/migrate.ts).
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema/*.ts',
  out: './db/migrations',
});
