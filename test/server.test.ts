import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess } from './helpers/process.js';
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

describe('npm start', () => {
  it('starts on an embedded PostgreSQL with no configuration and prints a working dev token', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'agent-teams-start-'));
    await chmod(dataDir, 0o755);
    const main = startServerProcess({ DATA_DIR: dataDir, PORT: '0' });
    try {
      const [, token] = await main.waitFor(/export JWT_TOKEN=(\S+)/);
      const [, dashboard] = await main.waitFor(/Dashboard \(signs you in\): (\S+)/);
      expect(dashboard).toBe(`${new URL(dashboard!).origin}/#token=${token}`);
      expect((await fetch(dashboard!)).headers.get('content-type')).toMatch(/^text\/html/);
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
    const main = startServerProcess({ NODE_ENV: 'production', DATABASE_URL: 'postgresql://127.0.0.1:1/none' });
    expect(await main.exited).toBe(2);
    expect(main.output()).toMatch(/production needs JWT_SECRET or JWT_JWKS_URL/);
  });
});
