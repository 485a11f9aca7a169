import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../src/validation.js';
import { CreateTeamDocument, CreateWorkQueueDocument, NodesDocument } from './generated/graphql.js';
import { rest } from './helpers/rest.js';
import { errorCode, startTestServer, type TestServer } from './helpers/server.js';

// Malformed input of every kind answers 400 BAD_USER_INPUT naming the field (never a 500), on
// REST and GraphQL alike, and writes nothing.
let s: TestServer;
let queueId: string;
let teamId: string;
beforeAll(async () => {
  s = await startTestServer({ listen: true });
  queueId = (await s.ok(CreateWorkQueueDocument, { input: { name: 'inputs' } })).createWorkQueue.id;
  teamId = (await s.ok(CreateTeamDocument, { input: { name: 'inputs', size: 2 } })).createTeam.id;
});
afterAll(() => s.stop());

const rows = async () => [await s.db.task.count(), await s.db.workQueue.count(), await s.db.team.count(), await s.db.message.count()];

/** A raw HTTP call: exact bytes and headers. */
async function send(method: string, path: string, body?: string | Uint8Array, headers: Record<string, string> = {}) {
  const res = await fetch(`${s.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${await s.tokenFor('alice')}`, 'content-type': 'application/json', ...headers },
    body: body as BodyInit | undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** POST /graphql over HTTP with a JSON body. */
const graphql = (query: string, variables: Record<string, unknown> = {}) => send('POST', '/graphql', JSON.stringify({ query, variables }));

const deep = (levels: number): unknown => {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
};

describe('REST bodies that used to answer 500', () => {
  it.each([
    ['a lone surrogate in a string', `{"name":"\\ud800"}`, 'name', /valid Unicode/],
    ['a lone low surrogate in a payload value', `{"name":"x","payload":{"k":"a\\udc00"}}`, 'payload', /valid Unicode/],
    ['a lone surrogate in a payload key', `{"name":"x","payload":{"\\ud83d":1}}`, 'payload', /valid Unicode/],
    ['a payload nested 5,000 deep', `{"name":"x","payload":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`, 'payload', /deeper than 32 levels/],
    ['a deadline in year 0000', `{"name":"x","deadline":"0000-01-01T00:00:00Z"}`, 'deadline', /between 0001-01-01/],
    ['a deadline after year 9999', `{"name":"x","deadline":"+010000-01-01T00:00:00Z"}`, 'deadline', /deadline/],
    ['a NUL in a string', `{"name":"a\\u0000b"}`, 'name', /NUL/],
  ])('%s → 400 naming the field, nothing written', async (_label, body, field, message) => {
    const before = await rows();
    const res = await send('POST', `/work-queues/${queueId}/tasks`, body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(res.body.error.message).toMatch(message);
    expect(await rows()).toEqual(before);
  });

  it(`accepts a payload nested ${MAX_JSON_DEPTH} levels and refuses ${MAX_JSON_DEPTH + 1}`, async () => {
    const ok = await rest(s, 'POST', `/work-queues/${queueId}/tasks`, { body: { name: 'deep', payload: deep(MAX_JSON_DEPTH) } });
    expect(ok.status).toBe(201);
    const tooDeep = await rest(s, 'POST', `/work-queues/${queueId}/tasks`, { body: { name: 'deep', payload: deep(MAX_JSON_DEPTH + 1) } });
    expect(tooDeep.body.error).toMatchObject({ code: 'BAD_USER_INPUT', field: 'payload' });
  });

  it('stores a deadline at the edges of the range and reads it back', async () => {
    for (const deadline of ['0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z']) {
      const created = await rest(s, 'POST', `/work-queues/${queueId}/tasks`, { body: { name: 'edge', deadline } });
      expect(created.status).toBe(201);
      expect((await rest(s, 'GET', `/work-queue-tasks/${created.body.id}`)).body.deadline).toBe(deadline);
    }
  });

  it.each([
    ['GET', '/work-queues/wq_%00abc', 'id'],
    ['GET', '/work-queue-tasks/wt_%00abc', 'id'],
    ['POST', '/work-queue-tasks/wt_%00abc/complete', 'id'],
    ['DELETE', '/api/v1/teams/team-%00x', 'id'],
    ['GET', '/api/v1/teams/team-x/agents/agent-%00/inbox', 'agent'],
    ['POST', '/api/v1/teams/team-%00x/messages', 'team_id'],
  ])('%s %s with a NUL byte in the path → 400 naming %s', async (method, path, field) => {
    const res = await send(method, path, method === 'POST' ? '{"from":"agent-1","body":"x"}' : undefined);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain(`"field":"${field}"`);
  });

  it.each([
    ['-1', 'limit: must be between 0 and 100'],
    ['abc', 'limit: must be an integer'],
    ['101', 'limit: must be between 0 and 100'],
    ['1e3', 'limit: must be an integer'],
  ])('?limit=%s → 400 (%s)', async (limit, message) => {
    for (const path of ['/work-queues', `/work-queues/${queueId}/tasks`, '/api/v1/teams', `/api/v1/teams/${teamId}/messages`]) {
      const res = await send('GET', `${path}?limit=${limit}`);
      expect([path, res.status]).toEqual([path, 400]);
      expect(JSON.stringify(res.body)).toContain(`"message":"${message}"`);
    }
  });

  it.each([
    ['random text', 'abc'],
    ["Pothos' old cursor format", Buffer.from(`GPC:S:${'wq_x'}`).toString('base64')],
    ['a forged position', `${Buffer.from('["99"]').toString('base64url')}.${'A'.repeat(22)}`],
    ['a NUL byte', 'a%00b'],
    ['a huge cursor', 'x'.repeat(5000)],
  ])('?cursor= with %s → 400 naming cursor', async (_label, cursor) => {
    for (const path of ['/work-queues', `/work-queues/${queueId}/tasks`, '/api/v1/teams', `/api/v1/teams/${teamId}/messages`]) {
      const res = await send('GET', `${path}?cursor=${cursor}`);
      expect([path, res.status]).toEqual([path, 400]);
      expect(JSON.stringify(res.body)).toContain('"field":"cursor"');
    }
  });
});

describe('REST body encoding and media type', () => {
  it('refuses invalid UTF-8 instead of replacing it, writing nothing', async () => {
    const before = await rows();
    const bytes = Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]);
    for (const path of ['/work-queues', `/work-queues/${queueId}/tasks`, '/api/v1/teams']) {
      const res = await send('POST', path, bytes);
      expect([path, res.status]).toEqual([path, 400]);
      expect(JSON.stringify(res.body)).toContain('"message":"body: must be valid UTF-8"');
    }
    expect(await rows()).toEqual(before);
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1'])(
    'answers 415 UNSUPPORTED_MEDIA_TYPE for a body sent as %s, writing nothing',
    async (type) => {
      const before = await rows();
      const res = await send('POST', '/work-queues', '{"name":"x"}', { 'content-type': type });
      expect(res.status).toBe(415);
      expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
      const envelope = await send('POST', '/api/v1/teams', '{"name":"x"}', { 'content-type': type });
      expect(envelope).toMatchObject({ status: 415, body: { ok: false, error: { code: 'UNSUPPORTED_MEDIA_TYPE' } } });
      expect(await rows()).toEqual(before);
    },
  );

  it('takes JSON with a charset or a +json type, and a bodiless POST without any type', async () => {
    expect((await send('POST', '/work-queues', '{"name":"typed"}', { 'content-type': 'application/json; charset=UTF-8' })).status).toBe(201);
    expect((await send('POST', '/work-queues', '{"name":"typed"}', { 'content-type': 'application/vnd.api+json' })).status).toBe(201);
    const grown = await fetch(`${s.baseUrl}/api/v1/teams/${teamId}/agents`, { method: 'POST', headers: { authorization: `Bearer ${await s.tokenFor('alice')}` } });
    expect(grown.status).toBe(201);
  });
});

describe('GraphQL over HTTP', () => {
  it('refuses invalid UTF-8 and non-JSON bodies like REST does', async () => {
    const bytes = Buffer.concat([Buffer.from('{"query":"mutation { createWorkQueue(input: {name: \\"caf'), Buffer.from([0xff]), Buffer.from('\\"}) { id } }"}')]);
    const bad = await send('POST', '/graphql', bytes);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ message: 'body: must be valid UTF-8', extensions: { code: 'BAD_USER_INPUT', field: 'body' } });
    const plain = await send('POST', '/graphql', '{"query":"{ teams { totalCount } }"}', { 'content-type': 'text/plain' });
    expect(plain.status).toBe(415);
    expect(plain.body.errors[0].extensions.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses lone surrogates and NUL bytes in any string argument, naming it', async () => {
    const before = await rows();
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['mutation($i: CreateWorkQueueInput!) { createWorkQueue(input: $i) { id } }', { i: { name: 'a\ud800' } }, 'input.name'],
      ['mutation($i: CreateWorkQueueInput!) { createWorkQueue(input: $i) { id } }', { i: { name: 'x', teamId: 'a\u0000' } }, 'input.teamId'],
      ['query($t: String) { workQueues(teamId: $t) { totalCount } }', { t: 'a\u0000' }, 'teamId'],
      ['query($id: ID!) { node(id: $id) { id } }', { id: 'wq_\u0000' }, 'id'],
      ['query($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: ['wq_\udc00'] }, 'id'],
      ['query($id: ID!) { task(id: $id) { id } }', { id: 'wt_\u0000' }, 'id'],
      ['mutation($q: ID!, $p: JSONObject) { enqueueTask(queueId: $q, input: {name: "x", payload: $p}) { id } }', { q: queueId, p: { ['k\u0000']: 1 } }, 'input.payload'],
      ['mutation($t: ID!, $b: String!) { sendMessage(teamId: $t, input: {from: "agent-1", body: $b}) { id } }', { t: teamId, b: '\udfff' }, 'input.body'],
    ];
    for (const [query, variables, field] of cases) {
      const res = await graphql(query, variables);
      expect([query, res.body.errors?.[0]?.extensions]).toEqual([query, expect.objectContaining({ code: 'BAD_USER_INPUT', field })]);
    }
    expect(await rows()).toEqual(before);
  });

  it.each([
    ['first: -1', '{ workQueues(first: -1) { totalCount } }', 'first'],
    ['first: 101', '{ teams(first: 101) { totalCount } }', 'first'],
    ['last: 1000', '{ workQueues(last: 1000) { totalCount } }', 'last'],
    ['first with last', '{ workQueues(first: 1, last: 1) { totalCount } }', 'last'],
    ['a random after', '{ workQueues(after: "abc") { totalCount } }', 'after'],
    ['a random before', '{ teams(last: 2, before: "abc") { totalCount } }', 'before'],
  ])('connection arguments: %s → BAD_USER_INPUT naming the argument', async (_label, query, field) => {
    const res = await graphql(query);
    expect(res.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });

  it('caps nodes(ids) at 100 ids with a clear error', async () => {
    const ids = (n: number) => Array.from({ length: n }, () => queueId);
    expect((await s.ok(NodesDocument, { ids: ids(100) })).nodes).toHaveLength(100);
    for (const n of [101, 20_000]) {
      const res = await s.gql(NodesDocument, { ids: ids(n) });
      expect(res.errors?.[0]).toMatchObject({ message: 'ids: must list at most 100 ids', extensions: { code: 'BAD_USER_INPUT', field: 'ids' } });
    }
  });
});

describe('tokens', () => {
  it('answers 401 for a correctly signed token whose sub is a number', async () => {
    const token = await new SignJWT({ sub: 42 } as unknown as { sub: string })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(s.secret));
    const headers = { authorization: `Bearer ${token}` };
    expect((await send('GET', '/work-queues', undefined, headers)).status).toBe(401);
    const gql = await send('POST', '/graphql', '{"query":"{ teams { totalCount } }"}', headers);
    expect(gql.status).toBe(401);
    expect(errorCode({ status: gql.status, data: null, errors: gql.body.errors })).toBe('UNAUTHENTICATED');
  });
});
