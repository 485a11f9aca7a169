import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { relocatedClusterHome } from '../src/db/embeddedPostgres.js';
import { startServerProcess } from './helpers/process.js';

const run = promisify(execFile);

async function reachableTempDir(prefix: string) {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  return dir;
}

describe('a port already in use', () => {
  let holder: Server;
  let port: number;
  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    port = (holder.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

  it('stops with one line naming the port and exit code 1, before starting the embedded database', async () => {
    const dataDir = await reachableTempDir('agent-teams-port-');
    try {
      const main = startServerProcess({ DATA_DIR: dataDir, PORT: String(port), JWT_SECRET: 'x'.repeat(32) });
      expect(await main.exitCode()).toBe(1);
      expect(main.output().trim().split('\n')).toEqual([`Agent Teams cannot start: port ${port} is already in use (127.0.0.1:${port}): stop the other server or set PORT.`]);
      expect(existsSync(path.join(dataDir, 'postgres'))).toBe(false);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('stops the same way with DATABASE_URL, before connecting or migrating', async () => {
    // Nothing listens on port 1: reaching the database first would fail differently.
    const main = startServerProcess({ DATABASE_URL: 'postgresql://127.0.0.1:1/none', PORT: String(port), JWT_SECRET: 'x'.repeat(32) });
    expect(await main.exitCode()).toBe(1);
    expect(main.output().trim()).toBe(`Agent Teams cannot start: port ${port} is already in use (127.0.0.1:${port}): stop the other server or set PORT.`);
  });
});

// A root user cloning into a 0700 folder (their home): the postgres user PostgreSQL runs as
// cannot enter the checkout, so neither the binaries in node_modules nor ./.data are usable.
describe.skipIf(process.getuid?.() !== 0)('as root, a checkout inside a 0700 directory', () => {
  let home: string;
  let checkout: string;
  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'agent-teams-home-')); // mode 0700, like /root
    checkout = path.join(home, 'agent-teams');
    // Hard links: a fast copy of the tree (node_modules included) whose files live under `home`.
    const entries = (await readdir(process.cwd())).filter((e) => !['.git', '.data', 'coverage'].includes(e));
    await run('mkdir', [checkout]);
    try {
      await run('cp', ['-al', ...entries, checkout], { cwd: process.cwd() });
    } catch {
      await run('cp', ['-a', ...entries, checkout], { cwd: process.cwd() }); // another filesystem: a real copy
    }
  }, 180_000);
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
    await rm(relocatedClusterHome(path.join(checkout, '.data')), { recursive: true, force: true });
  });

  it('npm start serves, keeping the data where the postgres user can reach it, and stops with exit 0', async () => {
    const main = startServerProcess({ PORT: '0' }, { cwd: checkout });
    try {
      const url = await main.url();
      await main.waitFor(new RegExp(`its data is kept in ${relocatedClusterHome(path.join(checkout, '.data'))}/postgres`));
      const [, token] = await main.waitFor(/export JWT_TOKEN=(\S+)/);
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: 'mutation { createWorkQueue(input: {name: "from-home"}) { id } }' }),
      });
      expect(((await res.json()) as { data: { createWorkQueue: { id: string } } }).data.createWorkQueue.id).toMatch(/^wq_/);
    } finally {
      expect(await main.stop()).toBe(0);
    }
    expect(main.output()).not.toMatch(/EACCES/);
  });

  it('a throwaway cluster (what npm test, the benchmark and migration diffs use) starts, and stop() removes it', async () => {
    const script = `
      const { startTemporaryPostgres } = await import('./src/db/embeddedPostgres.ts');
      const { existsSync } = await import('node:fs');
      const db = await startTemporaryPostgres('home');
      console.log('started', db.dataDirectory);
      await db.stop();
      console.log('removed', !existsSync(db.dataDirectory));`;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: checkout });
    expect(stdout).toMatch(/started .*\nremoved true/);
  });
});
