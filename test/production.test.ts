import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './helpers/eventually.js';
import { loadConfig } from '../src/config.js';
import { OPERATION_LIMITS } from '../src/graphql/limits.js';
import { CreateWorkQueueDocument, EnqueueTaskDocument, TaskEventsDocument } from './generated/graphql.js';
import { rest } from './helpers/rest.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { collect, wsClient } from './helpers/ws.js';

// Production lockdown: the schema is private unless GRAPHQL_INTROSPECTION=true, every operation
// is bounded (graphql-armor's rules) and answered with a clear, coded error, and websockets are
// limited per owner and per socket.
const secret = 's'.repeat(32);

describe('configuration', () => {
  it('turns introspection off in production unless GRAPHQL_INTROSPECTION=true', () => {
    expect(loadConfig({}).introspection).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret }).introspection).toBe(false);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret, GRAPHQL_INTROSPECTION: 'true' }).introspection).toBe(true);
    expect(loadConfig({ GRAPHQL_INTROSPECTION: 'false' }).introspection).toBe(false);
    expect(() => loadConfig({ GRAPHQL_INTROSPECTION: 'yes' })).toThrow(/GRAPHQL_INTROSPECTION: must be true or false/);
  });

  it('reads the websocket limits', () => {
    expect(loadConfig({}).websocket).toEqual({ maxSocketsPerOwner: 100, maxSubscriptionsPerSocket: 100 });
    expect(loadConfig({ WS_MAX_SOCKETS_PER_OWNER: '5', WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '7' }).websocket).toEqual({
      maxSocketsPerOwner: 5,
      maxSubscriptionsPerSocket: 7,
    });
    expect(() => loadConfig({ WS_MAX_SOCKETS_PER_OWNER: '0' })).toThrow(/WS_MAX_SOCKETS_PER_OWNER/);
  });
});

let locked: TestServer;
let open: TestServer;
beforeAll(async () => {
  [locked, open] = await Promise.all([
    startTestServer({ listen: true, config: { introspection: false, websocket: { maxSocketsPerOwner: 2, maxSubscriptionsPerSocket: 2 } } }),
    startTestServer({ listen: true, config: { introspection: true } }),
  ]);
});
afterAll(() => Promise.all([locked.stop(), open.stop()]));

async function graphql(s: TestServer, query: string) {
  const res = await fetch(`${s.baseUrl}/graphql`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await s.tokenFor('alice')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: (await res.json()) as { data?: unknown; errors?: { message: string; extensions: { code: string } }[] } };
}

describe('the schema stays private', () => {
  it('refuses introspection, serves no GraphiQL and hides suggestions', async () => {
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "Task") { fields { name } } }']) {
      const res = await graphql(locked, query);
      expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
      expect(res.body.errors?.[0]?.message).toMatch(/Introspection is disabled.*GRAPHQL_INTROSPECTION=true/);
    }
    expect((await graphql(locked, '{ __typename }')).body.data).toEqual({ __typename: 'Query' });
    const page = await fetch(`${locked.baseUrl}/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toMatch(/graphiql/i);
    const typo = await graphql(locked, '{ teams { totalCont } }');
    expect(typo.body.errors?.[0]?.message).not.toMatch(/Did you mean/);
  });

  it('allows all three when enabled', async () => {
    expect((await graphql(open, '{ __type(name: "Task") { name } }')).body.data).toEqual({ __type: { name: 'Task' } });
    expect(await (await fetch(`${open.baseUrl}/graphql`, { headers: { accept: 'text/html' } })).text()).toMatch(/graphiql/i);
    expect((await graphql(open, '{ teams { totalCont } }')).body.errors?.[0]?.message).toMatch(/Did you mean "totalCount"\?/);
  });
});

describe('operation limits', () => {
  const l = OPERATION_LIMITS;
  const field = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: teams { totalCount }`).join(' ');
  let nested = 'id';
  for (let i = 0; i < l.depth; i++) nested = `queue { tasks { edges { node { ${nested} } } } }`;
  it.each([
    ['aliases', `{ ${field(l.aliases + 1)} }`, 'GRAPHQL_VALIDATION_FAILED', `Aliases limit of ${l.aliases} exceeded`],
    ['directives', `{ teams { totalCount ${'@include(if: true) '.repeat(l.directives + 1)} } }`, 'GRAPHQL_VALIDATION_FAILED', `Directives limit of ${l.directives} exceeded`],
    ['depth', `{ workQueues { edges { node { tasks { edges { node { ${nested} } } } } } } }`, 'GRAPHQL_VALIDATION_FAILED', `depth limit of ${l.depth} exceeded`],
    [
      'cost',
      `{ ${Array.from({ length: l.aliases }, (_, i) => `q${i}: workQueues { edges { node { name tasks { edges { node { id name status priority queue { name team { name } } } } } } } }`).join(' ')} }`,
      'GRAPHQL_VALIDATION_FAILED',
      `Cost limit of ${l.cost} exceeded`,
    ],
    ['tokens', `{ teams { ${'totalCount '.repeat(l.tokens)} } }`, 'GRAPHQL_PARSE_FAILED', `Token limit of ${l.tokens} exceeded`],
    ['query length', `{ teams { totalCount } } #${'x'.repeat(l.queryLength)}`, 'BAD_USER_INPUT', `query: must be at most ${l.queryLength} characters`],
  ])('refuses an operation over the %s limit with a coded error', async (_label, query, code, message) => {
    const res = await graphql(locked, query);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.find((e) => e.message.includes(message))?.extensions.code).toBe(code);
  });

  it("leaves the REST shim's own operations within the limits", async () => {
    const created = await rest(locked, 'POST', '/work-queues', { body: { name: 'rest within limits' } });
    expect(created.status).toBe(201);
    expect((await rest(locked, 'GET', `/work-queues/${created.body.id}/tasks`)).status).toBe(200);
  });
});

describe('websocket limits', () => {
  /** Polls until `check` holds, at most `ms` (the shared bounded wait). */
  const eventually = (check: () => boolean | Promise<boolean>, ms = 10_000) => waitFor(check, { timeoutMs: ms, intervalMs: 20 });

  /** Whether a socket was accepted: a trivial query over it answers, or it is closed. */
  const accepted = (ws: ReturnType<typeof wsClient>) =>
    new Promise<boolean>((resolve) => {
      ws.client.subscribe({ query: '{ __typename }' }, { next: () => resolve(true), error: () => resolve(false), complete: () => {} });
    });

  it('closes an owner’s socket past the limit with 4429, others unaffected', async () => {
    const token = { authorization: `Bearer ${await locked.tokenFor('socket-owner')}` };
    const first = wsClient(locked.baseUrl!, token);
    const second = wsClient(locked.baseUrl!, token);
    expect(await Promise.all([accepted(first), accepted(second)])).toEqual([true, true]);
    const third = wsClient(locked.baseUrl!, token);
    expect(await accepted(third)).toBe(false);
    await eventually(() => third.closed() !== undefined);
    expect(third.closed()).toMatchObject({ code: 4429, reason: 'Too many websockets: at most 2 per owner' });
    const other = wsClient(locked.baseUrl!, { authorization: `Bearer ${await locked.tokenFor('someone-else')}` });
    expect(await accepted(other)).toBe(true);
    // A socket closed frees its place (once the server has seen it close).
    await first.client.dispose();
    const retried: ReturnType<typeof wsClient>[] = [];
    await eventually(async () => {
      const next = wsClient(locked.baseUrl!, token);
      retried.push(next);
      return accepted(next);
    });
    for (const c of [second, third, other, ...retried]) await c.client.dispose();
  });

  it('answers RATE_LIMITED past the subscriptions of one socket, and frees a place when one ends', async () => {
    const queueId = (await locked.ok(CreateWorkQueueDocument, { input: { name: 'subs' } }, 'subscriber')).createWorkQueue.id;
    const ws = wsClient(locked.baseUrl!, { token: await locked.tokenFor('subscriber') });
    // `after: "0"` replays from the start, so no event is missed however late a stream starts.
    const a = collect(ws.client, TaskEventsDocument, { queueId, after: '0' });
    const b = collect(ws.client, TaskEventsDocument, { queueId, after: '0' });
    const c = collect(ws.client, TaskEventsDocument, { queueId, after: '0' });
    await eventually(() => c.errors.length > 0);
    expect(c.errors[0]).toMatchObject([{ message: 'Too many subscriptions: at most 2 at once on one websocket', extensions: { code: 'RATE_LIMITED', retryAfter: 1 } }]);
    expect([a.errors, b.errors]).toEqual([[], []]);
    a.stop();
    const d = collect(ws.client, TaskEventsDocument, { queueId, after: '0' });
    await locked.ok(EnqueueTaskDocument, { queueId, input: { name: 'seen by b and d' } }, 'subscriber');
    await eventually(() => d.items.length === 1 && b.items.length === 1);
    expect(d.errors).toEqual([]);
    await ws.client.dispose();
  });
});
