import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../src/app.js';
import { createTokenService } from '../src/auth/tokens.js';
import { SECURITY_HEADERS } from '../src/http/securityHeaders.js';
import { createLogger } from '../src/logger.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';

// Every HTTP answer carries security headers and a request id; error answers and log lines name
// the request id, and a sane incoming X-Request-Id is kept.
let database: TestDatabase;
let app: App;
let baseUrl: string;
let token: string;
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  const tokens = await createTokenService({ jwt: { kind: 'secret', secret: randomBytes(32).toString('hex') }, dataDir: '.data' });
  token = await tokens.mint('alice', '1h');
  const log = createLogger('debug', { write: (line: string) => void lines.push(JSON.parse(line)) });
  app = buildApp({ config: { host: '127.0.0.1', port: 0, sweepIntervalMs: 3_600_000 }, databaseUrl: database.url, db: database.handle, tokens, log });
  baseUrl = await app.start();
});
afterAll(async () => {
  await app.stop();
  await database.drop();
});

const auth = () => ({ authorization: `Bearer ${token}` });
const json = { 'content-type': 'application/json' };

describe('security headers', () => {
  it.each([
    ['GET', '/healthz', {}, undefined],
    ['GET', '/readyz', {}, undefined],
    ['GET', '/graphql', { accept: 'text/html' }, undefined],
    ['POST', '/graphql', json, '{"query":"{ teams { totalCount } }"}'],
    ['POST', '/graphql', json, 'not json'],
    ['POST', '/graphql', { 'content-type': 'text/plain' }, '{}'],
    ['GET', '/work-queues', {}, undefined],
    ['GET', '/api/v1/nothing-here', {}, undefined],
    ['GET', '/no-such-path', {}, undefined],
    ['POST', '/work-queues', { 'content-type': 'text/plain' }, 'x'],
    ['OPTIONS', '/graphql', { origin: 'https://dashboard.example', 'access-control-request-method': 'POST' }, undefined],
  ])('%s %s (%j) carries them, with a request id and no X-Powered-By', async (method, path, headers, body) => {
    for (const withToken of [true, false]) {
      const res = await fetch(`${baseUrl}${path}`, { method, headers: { ...(withToken ? auth() : {}), ...headers }, body });
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect([path, name, res.headers.get(name)]).toEqual([path, name, value]);
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.get('x-powered-by')).toBeNull();
      await res.arrayBuffer();
    }
  });
});

describe('request ids', () => {
  it('keeps a sane incoming X-Request-Id and replaces anything else', async () => {
    const kept = await fetch(`${baseUrl}/healthz`, { headers: { 'x-request-id': 'edge-proxy:7f3a.1_2' } });
    expect(kept.headers.get('x-request-id')).toBe('edge-proxy:7f3a.1_2');
    for (const insane of ['has spaces', 'x'.repeat(129), 'quote"d', '']) {
      const res = await fetch(`${baseUrl}/healthz`, { headers: { 'x-request-id': insane } });
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('names the request in REST and GraphQL error answers', async () => {
    const restError = await fetch(`${baseUrl}/work-queues/wq_missing`, { headers: { ...auth(), 'x-request-id': 'rest-1' } });
    expect(await restError.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'work queue wq_missing not found', requestId: 'rest-1' } });
    const envelope = await fetch(`${baseUrl}/api/v1/teams/team-missing`, { headers: { ...auth(), 'x-request-id': 'rest-2' } });
    expect(((await envelope.json()) as { error: { requestId: string } }).error.requestId).toBe('rest-2');
    const graphqlError = await fetch(`${baseUrl}/graphql`, {
      method: 'POST',
      headers: { ...auth(), ...json, 'x-request-id': 'gql-1' },
      body: JSON.stringify({ query: '{ workQueue(id: "wq_missing") { id } }' }),
    });
    const body = (await graphqlError.json()) as { errors: { extensions: { code: string } }[]; extensions: { requestId: string } };
    expect(body.errors[0]!.extensions.code).toBe('NOT_FOUND');
    expect(body.extensions.requestId).toBe('gql-1');
    const unauthenticated = await fetch(`${baseUrl}/graphql`, { method: 'POST', headers: { ...json, 'x-request-id': 'gql-2' }, body: '{"query":"{ teams { totalCount } }"}' });
    expect(((await unauthenticated.json()) as { extensions: { requestId: string } }).extensions.requestId).toBe('gql-2');
  });

  it('writes the request id in the log lines of the request', async () => {
    const before = lines.length;
    await fetch(`${baseUrl}/graphql`, { method: 'POST', headers: { ...auth(), ...json, 'x-request-id': 'logged-1' }, body: '{"query":"{ teams { totalCount } }"}' });
    expect(lines.slice(before).filter((l) => l.requestId === 'logged-1').length).toBeGreaterThan(0);
  });
});
