import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ listen: true });
});
afterAll(() => s.stop());

describe('HTTP endpoints', () => {
  it('answers /healthz and /readyz', async () => {
    expect(await (await fetch(`${s.baseUrl}/healthz`)).json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${s.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('serves GraphiQL to a browser on GET /graphql', async () => {
    const res = await fetch(`${s.baseUrl}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/graphiql/i);
  });

  it('refuses operations nested deeper than the limit', async () => {
    const deep = `{ workQueues { edges { node { tasks { edges { node { queue { tasks { edges { node { queue { tasks { edges { node { id } } } } } } } } } } } } } } }`;
    const res = await fetch(`${s.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await s.tokenFor('alice')}` },
      body: JSON.stringify({ query: deep }),
    });
    const body = (await res.json()) as { errors?: { message: string }[] };
    expect(body.errors?.[0]?.message).toMatch(/depth/i);
  });
});

/** Runs `src/main.ts` as `npm start` does and collects its output. */
function startMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, ms = 45_000) => {
    const end = Date.now() + ms;
    while (!pattern.test(output)) {
      if (Date.now() > end || child.exitCode !== null) throw new Error(`no ${pattern} in output:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return pattern.exec(output)!;
  };
  return { child, exited, waitFor, output: () => output };
}

describe('npm start', () => {
  it('starts on an embedded PostgreSQL with no configuration and prints a working dev token', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'agent-teams-start-'));
    await chmod(dataDir, 0o755);
    const main = startMain({ DATA_DIR: dataDir, PORT: '0' });
    try {
      const [, token] = await main.waitFor(/export JWT_TOKEN=(\S+)/);
      const [, url] = await main.waitFor(/GraphiQL \(token pre-filled\): (\S+)/);
      const res = await fetch(url!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: 'mutation { createWorkQueue(input: {name: "bug-triage"}) { id name } }' }),
      });
      const body = (await res.json()) as { data: { createWorkQueue: { id: string } } };
      expect(body.data.createWorkQueue.id).toMatch(/^wq_/);
    } finally {
      main.child.kill('SIGTERM');
      expect(await main.exited).toBe(0);
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses to start in production without JWT configuration', async () => {
    const main = startMain({ NODE_ENV: 'production', DATABASE_URL: 'postgresql://127.0.0.1:1/none' });
    expect(await main.exited).toBe(2);
    expect(main.output()).toMatch(/production needs JWT_SECRET or JWT_JWKS_URL/);
  });
});
