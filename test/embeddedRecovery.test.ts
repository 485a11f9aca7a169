import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { createTokenService } from '../src/auth/tokens.js';
import { migrate } from '../src/db/migrate.js';
import { createDb } from '../src/db/client.js';
import { startTemporaryPostgres, type EmbeddedDatabase } from '../src/db/embeddedPostgres.js';
import { createLogger } from '../src/logger.js';
import { isAlive, postmasterPid, startServerProcess, until } from './helpers/process.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Server processes of the sequential steps below, stopped once they are done. */
const servers: ReturnType<typeof startServerProcess>[] = [];

function server(dir: string) {
  const main = startServerProcess({ DATA_DIR: dir, PORT: '0', JWT_SECRET: 'x'.repeat(32) });
  servers.push(main);
  return main;
}

async function healthz(url: string) {
  return (await fetch(`${url}/healthz`)).status;
}

/** The pid of the `sh` watchdog guarding `postmaster` (Linux: from /proc). */
async function watchdogOf(postmaster: number): Promise<number | undefined> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (argv.includes('agent-teams-watchdog') && argv.split('\0').includes(String(postmaster))) return Number(entry);
  }
  return undefined;
}

// One data directory through a server's life, each step starting from where the last left it
// (every start of an embedded server costs seconds, so the steps share them).
describe.sequential('the embedded PostgreSQL across crashes', () => {
  let dir: string;
  let current: ReturnType<typeof server>;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'agent-teams-recovery-'));
    await chmod(dir, 0o755);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await rm(dir, { recursive: true, force: true });
  });
  const postmaster = () => postmasterPid(path.join(dir, 'postgres'))!;

  it('after kill -9 of the server, its postmaster stops by itself and the next start serves', async () => {
    const first = server(dir);
    await first.url();
    const orphan = postmaster();
    first.child.kill('SIGKILL');
    await first.exited;
    await until('the orphaned postmaster to stop', () => !isAlive(orphan));

    current = server(dir);
    expect(await healthz(await current.url())).toBe(200);
  });

  it('a second server on the data directory of a running one stops with one clear line and leaves it alone', async () => {
    const url = await current.url();
    const second = server(dir);
    expect(await second.exitCode()).toBe(1);
    expect(second.output()).toMatch(/Agent Teams cannot start: the embedded PostgreSQL in \S+ belongs to another running Agent Teams server \(pid \d+\)/);
    expect(await healthz(url)).toBe(200);
  });

  it.skipIf(process.platform !== 'linux')('a postmaster that outlived its watchdog too is stopped by the next start', async () => {
    const orphan = postmaster();
    const watchdog = await watchdogOf(orphan);
    expect(watchdog).toBeDefined();
    process.kill(watchdog!, 'SIGKILL');
    current.child.kill('SIGKILL');
    await current.exited;
    expect(isAlive(orphan)).toBe(true); // orphaned, holding the data directory

    current = server(dir);
    expect(await healthz(await current.url())).toBe(200);
    expect(current.output()).toContain(`stopping the postmaster (pid ${orphan}) a previous server left running`);
    expect(isAlive(orphan)).toBe(false);
  });

  it('when its postmaster dies, the server exits 1 with a message saying so', async () => {
    expect(await healthz(await current.url())).toBe(200);
    process.kill(postmaster(), 'SIGKILL');
    expect(await current.exitCode()).toBe(1);
    expect(current.output()).toMatch(/the embedded PostgreSQL was killed by SIGKILL: stopping the server \(exit code 1\)/);
  });
});

describe('the embedded postmaster dying while the server runs', () => {
  it('turns /healthz to 503 with the reason', async () => {
    // The same wiring as src/main.ts, in-process so the window before the exit can be observed.
    const pg: EmbeddedDatabase = await startTemporaryPostgres('health');
    cleanups.push(() => pg.stop());
    let lost: string | undefined;
    void pg.unexpectedExit.then((how) => (lost = `the embedded PostgreSQL ${how}`));
    await migrate(pg.url);
    const db = createDb(pg.url);
    const tokens = await createTokenService({ jwt: { kind: 'secret', secret: randomBytes(32).toString('hex') }, dataDir: '.data' });
    const app: App = buildApp({
      config: { host: '127.0.0.1', port: 0, sweepIntervalMs: 3_600_000 },
      databaseUrl: pg.url,
      db,
      tokens,
      log: createLogger('silent'),
      health: () => lost,
    });
    const url = await app.start();
    cleanups.push(async () => {
      await app.stop();
      await db.close();
    });
    expect(await healthz(url)).toBe(200);

    process.kill(pg.pid, 'SIGKILL');
    await until('/healthz to turn 503', async () => (await healthz(url)) === 503);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'unavailable', reason: 'the embedded PostgreSQL was killed by SIGKILL' });
  });
});
