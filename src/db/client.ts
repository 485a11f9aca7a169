import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client.js';
import { createDatabaseHealth, type DatabaseHealth } from './health.js';

/**
 * One connection pool for the whole process. Hand-written statements (every write and every
 * concurrency-critical read, in the domains' sql/ folders) run on it as prepared statements;
 * Prisma runs the ORM reads the GraphQL layer makes, over the same pool.
 */
export interface Db {
  pool: pg.Pool;
  prisma: PrismaClient;
  /** Outages of the database (requests answer 503 meanwhile). */
  health: DatabaseHealth;
  close(): Promise<void>;
}

export function createDb(connectionString: string, options: { max?: number } = {}): Db {
  // A database that does not answer (a dropped network, not a refused port) fails a request after
  // this long instead of holding it forever; it is then answered 503 like any outage.
  const pool = new pg.Pool({ connectionString, max: options.max ?? 20, connectionTimeoutMillis: 10_000 });
  // An idle client that loses its server (restart, network) must not crash the process: the
  // pool drops it and the next query gets a fresh one.
  pool.on('error', () => {});
  // A checked-out client has no pool listener: a server that ends the connection (a restart)
  // right after the checkout, before its holder listens, would otherwise throw from the socket.
  // The holder's query fails, and the client is dropped when it is released.
  pool.on('connect', (client) => client.on('error', () => {}));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const health = createDatabaseHealth(() => pool.query('SELECT 1'));
  let closed: Promise<void> | undefined;
  return {
    pool,
    prisma,
    health,
    close: () =>
      (closed ??= (async () => {
        health.close();
        await prisma.$disconnect();
        await pool.end();
      })()),
  };
}
