import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../src/db/migrate.js';
import { readMigrationList } from '../src/db/migrations.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';

let empty: TestDatabase;
beforeAll(async () => {
  // A cloned test database is already migrated: wipe it back to nothing first.
  empty = await createTestDatabase();
  await empty.db.$executeRawUnsafe('DROP SCHEMA public CASCADE');
  await empty.db.$executeRawUnsafe('CREATE SCHEMA public');
});
afterAll(() => empty.drop());

describe('migrate', () => {
  it('applies every migration once when several instances start together', async () => {
    const results = await Promise.all([migrate(empty.url), migrate(empty.url), migrate(empty.url)]);
    const { migrationDirectories } = await readMigrationList();
    const names = migrationDirectories.map((d) => d.path);
    expect(results.flat().sort()).toEqual(names.sort());

    const client = new pg.Client({ connectionString: empty.url });
    await client.connect();
    try {
      // Recorded in Prisma's own table, so `prisma migrate deploy` sees the same history.
      const rows = await client.query('SELECT migration_name, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY migration_name');
      expect(rows.rows.map((r) => r.migration_name)).toEqual(names);
      expect(rows.rows.every((r) => r.finished_at && !r.rolled_back_at)).toBe(true);
      // The dequeue index is partial over pending rows, in hand-out order.
      const idx = await client.query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'tasks_claimable_idx'`);
      expect(idx.rows[0].indexdef).toMatch(/\(queue_id, priority DESC, seq\) WHERE \(status = 'PENDING'/);
    } finally {
      await client.end();
    }
    expect(await migrate(empty.url)).toEqual([]);
  });
});
