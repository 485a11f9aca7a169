import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createDb, type Db } from '../../src/db/client.js';
import type { PrismaClient } from '../../src/generated/prisma/client.js';

export interface TestDatabase {
  url: string;
  /** Prisma on the test database, for reading and arranging rows in tests. */
  db: PrismaClient;
  /** The app's database handle (pool and Prisma). */
  handle: Db;
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own (a clone of the run's template). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('adminUrl');
  const name = `agent_teams_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${inject('templateDatabase')}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = createDb(url.toString(), { max: 60 });
  return {
    url: url.toString(),
    db: handle.prisma,
    handle,
    async drop() {
      await handle.close();
      const a = new pg.Client({ connectionString: adminUrl });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}
