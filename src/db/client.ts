import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';

/**
 * One connection pool for the whole process. Hand-written statements (every write and every
 * concurrency-critical read, in the domains' sql/ folders) run on it as prepared statements;
 * Prisma runs the ORM reads the GraphQL layer makes, over the same pool.
 */
export interface Db {
  pool: pg.Pool;
  prisma: PrismaClient;
  close(): Promise<void>;
}

export function createDb(connectionString: string, options: { max?: number } = {}): Db {
  const pool = new pg.Pool({ connectionString, max: options.max ?? 20 });
  // An idle client that loses its server (restart, network) must not crash the process: the
  // pool drops it and the next query gets a fresh one.
  pool.on('error', () => {});
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  let closed: Promise<void> | undefined;
  return {
    pool,
    prisma,
    close: () => (closed ??= prisma.$disconnect().then(() => pool.end())),
  };
}
