import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './helpers/eventually.js';
import { buildApp, type App } from '../src/app.js';
import { createTokenService } from '../src/auth/tokens.js';
import { createDb, type Db } from '../src/db/client.js';
import { RETRY_AFTER_SECONDS } from '../src/db/health.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { startTcpProxy } from './helpers/tcpProxy.js';

// The database going away while the server runs (a crash, a restart): every request answers 503
// SERVICE_UNAVAILABLE with Retry-After on REST and GraphQL alike, the outage is logged once, and
// the server serves again by itself once the database is back. The database sits behind a TCP
// proxy the test takes down and brings back.
let database: TestDatabase;
let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
let db: Db;
let app: App;
let baseUrl: string;
let token: string;
const lines: { level: number; msg: string }[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const target = new URL(database.url);
  proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const proxied = new URL(database.url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  db = createDb(proxied.toString());
  const tokens = await createTokenService({ jwt: { kind: 'secret', secret: randomBytes(32).toString('hex') }, dataDir: '.data' });
  token = await tokens.mint('alice', '1h');
  const log = pino({ level: 'debug', base: undefined }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  app = buildApp({ config: { host: '127.0.0.1', port: 0, sweepIntervalMs: 50 }, databaseUrl: proxied.toString(), db, tokens, log });
  baseUrl = await app.start();
});
afterAll(async () => {
  await proxy.up().catch(() => {});
  await app.stop();
  await db.close();
  await database.drop();
});

const headers = () => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
const restCall = (method: string, path: string, body?: object) =>
  fetch(`${baseUrl}${path}`, { method, headers: headers(), body: body && JSON.stringify(body) });
const graphqlCall = (query: string, variables: Record<string, unknown> = {}) =>
  fetch(`${baseUrl}/graphql`, { method: 'POST', headers: headers(), body: JSON.stringify({ query, variables }) });

/** Polls `check` until it holds, at most `ms` (the shared bounded wait). */
const eventually = (check: () => Promise<boolean>, ms = 15_000) => waitFor(check, { timeoutMs: ms, intervalMs: 50 });

describe('the database unavailable', () => {
  it('answers 503 with Retry-After, logs the outage once, and recovers by itself', async () => {
    const queueId = ((await (await restCall('POST', '/work-queues', { name: 'outage' })).json()) as { id: string }).id;
    await proxy.down();
    const logged = lines.length;

    const calls = () => [
      restCall('GET', `/work-queues/${queueId}`),
      restCall('POST', `/work-queues/${queueId}/tasks`, { name: 'during the outage' }),
      restCall('GET', '/api/v1/teams'),
      graphqlCall('query($id: ID!) { workQueue(id: $id) { id depth } }', { id: queueId }),
      graphqlCall('mutation($q: ID!) { enqueueTask(queueId: $q, input: {name: "during the outage"}) { id } }', { q: queueId }),
    ];
    for (let round = 0; round < 5; round++) {
      for (const res of await Promise.all(calls())) {
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe(String(RETRY_AFTER_SECONDS));
        // REST ({error} or {ok: false, error}) and GraphQL ({errors}) alike.
        const body = (await res.json()) as { error?: { code: string }; errors?: { extensions: { code: string } }[] };
        expect(body.error?.code ?? body.errors?.[0]?.extensions.code).toBe('SERVICE_UNAVAILABLE');
      }
    }
    const during = lines.slice(logged).filter((l) => l.level >= 40);
    expect(during.map((l) => l.msg)).toEqual(['database unavailable: answering 503 SERVICE_UNAVAILABLE until it is back']);

    await proxy.up();
    await eventually(async () => (await restCall('GET', `/work-queues/${queueId}`)).status === 200);
    await eventually(async () => lines.some((l) => l.msg === 'database available again'));
    const added = await restCall('POST', `/work-queues/${queueId}/tasks`, { name: 'after the outage' });
    expect(added.status).toBe(201);
    const listed = (await (await graphqlCall('query($id: ID!) { workQueue(id: $id) { depth } }', { id: queueId })).json()) as {
      data: { workQueue: { depth: number } };
    };
    // Nothing of the refused writes was stored; the one after the outage was.
    expect(listed.data.workQueue.depth).toBe(1);
    expect(lines.slice(logged).filter((l) => l.level >= 50)).toEqual([]);
  });
});
