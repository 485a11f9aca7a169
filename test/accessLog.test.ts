import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './helpers/eventually.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// One structured access-log line per request (and per websocket), with its request id, which
// also reaches the answer: the x-request-id header, and error bodies.

type Line = Record<string, unknown>;
const lines: Line[] = [];
let s: TestServer;
beforeAll(async () => {
  const log = pino({ level: 'debug', base: undefined }, { write: (line: string) => void lines.push(JSON.parse(line) as Line) });
  s = await startTestServer({ listen: true, log });
});
afterAll(() => s.stop());

const requestLines = (requestId: string) => lines.filter((l) => l.msg === 'request' && l.requestId === requestId);
/** The one access-log line of a request (written once the answer is sent). */
const lineOf = (requestId: string) =>
  eventually(() => {
    expect(requestLines(requestId)).toHaveLength(1);
    return requestLines(requestId)[0]!;
  });

async function post(path: string, body: unknown, headers: Record<string, string> = {}, owner: string | null = 'alice') {
  return fetch(`${s.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(owner ? { authorization: `Bearer ${await s.tokenFor(owner)}` } : {}), ...headers },
    body: JSON.stringify(body),
  });
}

describe('access log', () => {
  it('logs a REST call once, with route, GraphQL operation, status, duration, owner and the caller’s request id', async () => {
    const res = await post('/work-queues', { name: 'logged' }, { 'x-request-id': 'client-abc.123' });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe('client-abc.123');
    const line = await lineOf('client-abc.123');
    expect(line).toMatchObject({
      level: 30,
      method: 'POST',
      path: '/work-queues',
      route: '/work-queues',
      operation: 'mutation createWorkQueue',
      status: 201,
      owner: 'alice',
    });
    expect(line.durationMs).toEqual(expect.any(Number));
  });

  it('logs a GraphQL request with the operation and the name the client gave it', async () => {
    const res = await post('/graphql', { query: 'query Mine { workQueues(first: 1) { totalCount } }', operationName: 'Mine' });
    expect(res.status).toBe(200);
    const id = res.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await lineOf(id)).toMatchObject({ route: '/graphql', operation: 'query workQueues', operationName: 'Mine', status: 200, owner: 'alice' });
  });

  it('replaces a request id that could forge log lines', async () => {
    const res = await post('/work-queues', { name: 'x' }, { 'x-request-id': 'a b"c' });
    const id = res.headers.get('x-request-id')!;
    expect(id).not.toBe('a b"c');
    await lineOf(id);
  });

  it('logs probes at debug level and an unknown path as unmatched', async () => {
    const health = await fetch(`${s.baseUrl}/healthz`);
    expect(await lineOf(health.headers.get('x-request-id')!)).toMatchObject({ level: 20, route: '/healthz', status: 200 });
    const missing = await fetch(`${s.baseUrl}/nowhere`);
    expect(await lineOf(missing.headers.get('x-request-id')!)).toMatchObject({ route: 'unmatched', status: 404 });
  });

  it('logs a websocket once it closes, with its owner', async () => {
    const ws = await s.wsClient();
    await eventually(() => expect(ws.connected()).toBe(true));
    await ws.client.dispose();
    await eventually(() => expect(lines.filter((l) => l.route === 'websocket')).toHaveLength(1));
    expect(lines.find((l) => l.route === 'websocket')).toMatchObject({ method: 'GET', path: '/graphql', status: 101, owner: 'alice', requestId: expect.any(String) });
  });
});

describe('request ids in error answers', () => {
  it('puts the id into REST error bodies on both surfaces', async () => {
    const missing = await fetch(`${s.baseUrl}/work-queues/wq_missing`, { headers: { authorization: `Bearer ${await s.tokenFor('alice')}`, 'x-request-id': 'rest-404' } });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND', requestId: 'rest-404' } });
    const bad = await post('/api/v1/teams', { size: 3 }, { 'x-request-id': 'rest-400' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ ok: false, error: { code: 'BAD_USER_INPUT', field: 'name', requestId: 'rest-400' } });
    expect(await lineOf('rest-400')).toMatchObject({ status: 400, route: '/api/v1/teams' });
  });

  it('puts the id into GraphQL answers that carry errors', async () => {
    const unauthenticated = await post('/graphql', { query: '{ workQueues { totalCount } }' }, { 'x-request-id': 'gql-401' }, null);
    expect(unauthenticated.status).toBe(401);
    expect(await unauthenticated.json()).toMatchObject({ errors: [{ extensions: { code: 'UNAUTHENTICATED' } }], extensions: { requestId: 'gql-401' } });
    const notFound = await post('/graphql', { query: '{ task(id: "wt_missing") { id } }' }, { 'x-request-id': 'gql-404' });
    expect(await notFound.json()).toMatchObject({ errors: [{ extensions: { code: 'NOT_FOUND' } }], extensions: { requestId: 'gql-404' } });
    const fine = await post('/graphql', { query: '{ workQueues { totalCount } }' });
    expect((await fine.json()).extensions).toBeUndefined();
  });
});
