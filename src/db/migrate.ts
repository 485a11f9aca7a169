import pg from 'pg';
import { readMigrationList, readSchemaFile } from './migrations.js';
import { noFilters, openSchemaEngine } from './schemaEngine.js';

// Any fixed 64-bit key; every instance starting at once queues on it.
const MIGRATION_LOCK_KEY = 72_0317_2024n;

/**
 * Applies pending migrations from prisma/migrations, recording them in `_prisma_migrations`
 * exactly as `prisma migrate deploy` would. Serialised across instances by an advisory lock.
 */
export async function migrate(
  connectionString: string,
  /** Apply only the migrations up to and including this folder (tests of upgrades). */
  options: { through?: string } = {},
): Promise<string[]> {
  const lock = new pg.Client({ connectionString });
  // A server lost mid-migration rejects the query below; without a handler it would also crash the process.
  lock.on('error', () => {});
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    const { engine, close } = await openSchemaEngine(connectionString, await readSchemaFile());
    try {
      const migrationsList = await readMigrationList();
      if (options.through) {
        migrationsList.migrationDirectories = migrationsList.migrationDirectories.filter((d) => d.path <= options.through!);
      }
      const { appliedMigrationNames } = await engine.applyMigrations({
        migrationsList,
        filters: noFilters,
      });
      return appliedMigrationNames;
    } finally {
      await close();
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]).catch(() => {});
    await lock.end();
  }
}
