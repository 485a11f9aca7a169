import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  type GraphQLField,
  type GraphQLInputType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS_OF_CODE } from '../src/rest/errors.js';
import { restRoutes } from '../src/rest/routeTable.js';
import { CreateTeamDocument, CreateWorkQueueDocument, DequeueTaskDocument, DispatchToTeamDocument, EnqueueTasksDocument } from './generated/graphql.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// Malformed bodies, ids, cursors, numbers, dates and strings for every REST route and every GraphQL
// mutation: never a 5xx, a bad input names its field, and a refused request writes nothing.
// Bounded runs per route and per mutation keep the suite to seconds.
const RUNS = 20;

let s: TestServer;
let token: string;
const ids = { queue: '', task: '', assigned: '', team: '', dispatch: '', foreignQueue: '' };
beforeAll(async () => {
  s = await startTestServer({ listen: true });
  token = await s.tokenFor('fuzzer');
  ids.queue = (await s.ok(CreateWorkQueueDocument, { input: { name: 'fuzzed', teamId: 'group' } }, 'fuzzer')).createWorkQueue.id;
  const tasks = (await s.ok(EnqueueTasksDocument, { queueId: ids.queue, tasks: [{ name: 'a' }, { name: 'b', priority: 5 }] }, 'fuzzer')).enqueueTasks;
  ids.task = tasks[0]!.id;
  ids.assigned = (await s.ok(DequeueTaskDocument, { queueId: ids.queue, agentId: 'holder' }, 'fuzzer')).dequeueTask!.id;
  ids.team = (await s.ok(CreateTeamDocument, { input: { name: 'fuzzed', size: 3 } }, 'fuzzer')).createTeam.id;
  ids.dispatch = (await s.ok(DispatchToTeamDocument, { teamId: ids.team, input: { task: 'x' } }, 'fuzzer')).dispatchToTeam.id;
  ids.foreignQueue = (await s.ok(CreateWorkQueueDocument, { input: { name: 'not yours' } }, 'someone-else')).createWorkQueue.id;
});
afterAll(() => s.stop());

/** Every write leaves a trace in one of these (state changes write event rows in the same transaction). */
async function fingerprint(): Promise<string> {
  const { rows } = await s.handle.pool.query(`SELECT
    (SELECT count(*) FROM tasks) AS tasks, (SELECT count(*) FROM task_events) AS task_events,
    (SELECT count(*) FROM team_events) AS team_events, (SELECT count(*) FROM messages) AS messages,
    (SELECT count(*) FROM work_queues) AS queues, (SELECT count(deleted_at) FROM work_queues) AS deleted,
    (SELECT count(*) FROM teams) AS teams, (SELECT count(stopped_at) FROM teams) AS stopped,
    (SELECT count(*) FROM team_members) AS members, (SELECT coalesce(sum(read_seq), 0) FROM team_members) AS read,
    (SELECT count(*) FROM dispatches) AS dispatches,
    (SELECT coalesce(max(lease_expires_at)::text, '') FROM tasks) AS leases`);
  return JSON.stringify(rows[0]);
}

// ---- values -------------------------------------------------------------------------------------

const nasty = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '🙂',
  '\u202e',
  "'; DROP TABLE tasks; --",
  '%00',
  '%ZZ',
  '../..',
  'x'.repeat(70_000),
  '{"$gt": ""}',
  '__proto__',
);
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }), nasty);
const id = () => fc.oneof(fc.constantFrom(...Object.values(ids)), fc.constantFrom('wq_', 'wt_x', 'team-', 'msg_1', 'dsp_'), text);
const int = fc.oneof(
  fc.integer(),
  fc.constantFrom(-1, 0, 1, 5, 101, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, 1e308, 0.5, -0.0),
  fc.double(),
  fc.constantFrom('1', 'abc', true, [], {}),
);
const date = fc.oneof(
  fc.constantFrom('0000-01-01T00:00:00Z', '+010000-01-01T00:00:00Z', '-000001-01-01T00:00:00Z', '2026-02-30T00:00:00Z', '9999-12-31T23:59:59.999Z', 'tomorrow', '2026-01-01', '1970-01-01T00:00:00+25:00'),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  int,
);
const deep = (levels: number) => JSON.parse(`${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`) as unknown;
const json = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(text, fc.oneof(text, int), { maxKeys: 4 }),
  fc.constantFrom(deep(33), deep(2000), { big: 'x'.repeat(70_000) }, { [`k\u0000`]: 1 }, { k: '\ud800' }, []),
);
const anything = fc.oneof(text, int, json, fc.boolean(), fc.constant(null));
/** Never a valid long wait: the suite must not sit in long polls. */
const wait = fc.constantFrom(undefined, null, 0, -1, 31, 1.5, 'soon', 2 ** 40);

// ---- REST ---------------------------------------------------------------------------------------

const BODY_FIELDS = ['name', 'teamId', 'visibilityTimeoutSeconds', 'maxAttempts', 'priority', 'payload', 'deadline', 'idempotencyKey', 'agentId', 'limit', 'result', 'leaseToken', 'error', 'retry', 'extendSeconds', 'size', 'model', 'mode', 'system_prompt', 'task', 'tools', 'parallel', 'max_runtime_seconds', 'from', 'to', 'body', 'up_to'];
const fieldValue = (name: string) =>
  name === 'deadline' ? date : ['payload', 'result'].includes(name) ? json : name.endsWith('Id') || name === 'leaseToken' ? id() : anything;
const item = fc.record({ id: id(), leaseToken: text, agentId: text, result: json, error: text, retry: anything }, { requiredKeys: [] });
const restBody = fc.oneof(
  { weight: 6, arbitrary: fc.record({ ...Object.fromEntries(BODY_FIELDS.map((f) => [f, fieldValue(f)])), items: fc.oneof(fc.array(item, { maxLength: 4 }), anything) }, { requiredKeys: [] }).map((b) => JSON.stringify(b)) },
  { weight: 1, arbitrary: json.map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.constantFrom('{', '{"name":}', 'null', '[]', '"x"', '{"name":"a"}{', '\u0000', '{"name":"\\ud800"}', '{"name":"\\u0000"}') },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.concat([Buffer.from('{"name":"'), Buffer.from(b), Buffer.from('"}')])) },
);
const contentType = fc.oneof({ weight: 8, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/json; charset=latin1', 'application/x-www-form-urlencoded') });
const query = fc.record(
  { limit: int.map(String), cursor: fc.oneof(text, fc.constantFrom('bm90IGEgY3Vyc29y', 'R1BDOlM6d3FfeA==')), status: fc.oneof(text, fc.constantFrom('pending', 'PENDING', 'done')), wait: wait.map(String), after: int.map(String) },
  { requiredKeys: [] },
);
/** Percent-encodes the UTF-8 of a string (a lone surrogate goes as U+FFFD: a URL carries bytes). */
const percentEncoded = (v: string) => [...Buffer.from(v, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
// (No `..`: the client's URL parser resolves it before sending.)
const pathSegment = fc.oneof(id().map(percentEncoded), fc.constantFrom('%ZZ', '%00', '%C3%28', '%F0%9F', 'a%2Fb', ''));

describe.each(restRoutes.map((r) => [`${r.method} ${r.path}`, r] as const))('REST %s', (_name, route) => {
  it('never answers 5xx; a refusal names its field and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(pathSegment, pathSegment, pathSegment, query, restBody, contentType, async (p1, p2, p3, q, body, type) => {
        const segments = [p1, p2, p3];
        const path = route.path.replace(/:\w+/g, () => segments.shift()!);
        const search = new URLSearchParams(Object.entries(q).filter(([, v]) => v !== 'undefined') as [string, string][]).toString();
        const before = await fingerprint();
        const res = await fetch(`${s.baseUrl}${path}${search ? `?${search}` : ''}`, {
          method: route.method,
          headers: { authorization: `Bearer ${token}`, 'content-type': type },
          body: route.method === 'POST' ? (body as BodyInit) : undefined,
        });
        const text = await res.text();
        expect(res.status, `${route.method} ${path}: ${text}`).toBeLessThan(500);
        // Node's HTTP parser refuses a request line over 16 KiB itself, before any handler.
        if (res.status < 400 || res.status === 431) return;
        const error = (JSON.parse(text) as { error: { code: string; message: string; field?: string } }).error;
        expect(STATUS_OF_CODE[error.code], text).toBe(res.status);
        if (error.code === 'BAD_USER_INPUT') {
          expect(error.field, text).toEqual(expect.any(String));
          expect(error.message.startsWith(`${error.field}: `), text).toBe(true);
        }
        expect(await fingerprint(), `${route.method} ${path}: ${text}`).toBe(before);
      }),
      { numRuns: RUNS },
    );
  });
});

// ---- GraphQL ------------------------------------------------------------------------------------

const schema = buildSchema(readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8'));

/** Values for an argument of `type`: mostly of the right shape with hostile contents, sometimes not. */
function valueFor(type: GraphQLInputType, name: string, depth = 0): fc.Arbitrary<unknown> {
  if (name === 'waitSeconds') return wait;
  if (isNonNullType(type)) return fc.oneof({ weight: 9, arbitrary: valueFor(type.ofType, name, depth) }, { weight: 1, arbitrary: fc.constant(null) });
  if (isListType(type)) return fc.oneof(fc.array(valueFor(type.ofType, name, depth + 1), { maxLength: 4 }), anything);
  if (isInputObjectType(type)) {
    if (depth > 3) return anything;
    const fields = Object.values(type.getFields());
    return fc.oneof({ weight: 8, arbitrary: fc.record(Object.fromEntries(fields.map((f) => [f.name, valueFor(f.type, f.name, depth + 1)])), { requiredKeys: [] }) }, { weight: 1, arbitrary: anything });
  }
  if (isEnumType(type)) return fc.oneof(fc.constantFrom(...type.getValues().map((v) => v.name)), text);
  switch (getNamedType(type).name) {
    case 'ID':
      return fc.oneof({ weight: 4, arbitrary: id() }, { weight: 1, arbitrary: int });
    case 'Int':
      return int;
    case 'Boolean':
      return fc.oneof(fc.boolean(), anything);
    case 'DateTime':
      return date;
    case 'JSON':
    case 'JSONObject':
      return json;
    default:
      return fc.oneof({ weight: 4, arbitrary: text }, { weight: 1, arbitrary: anything });
  }
}

const ALLOWED = new Set(['BAD_USER_INPUT', 'NOT_FOUND', 'CONFLICT', 'GRAPHQL_VALIDATION_FAILED', 'RATE_LIMITED']);

function documentFor(field: GraphQLField<unknown, unknown>): string {
  const vars = field.args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const args = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const selection = getNamedType(field.type).toString() === 'Int' ? '' : ' { __typename }';
  return `mutation Fuzz${vars ? `(${vars})` : ''} { ${field.name}${args ? `(${args})` : ''}${selection} }`;
}

const mutations = Object.values(schema.getMutationType()!.getFields());

describe.each(mutations.map((m) => [m.name, m] as const))('GraphQL mutation %s', (_name, field) => {
  it('never answers 5xx or an internal error; bad input names its field and writes nothing', async () => {
    const document = documentFor(field);
    const variables = fc.record(Object.fromEntries(field.args.map((a) => [a.name, valueFor(a.type, a.name)])), { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(variables, async (vars) => {
        const before = await fingerprint();
        const res = await fetch(`${s.baseUrl}/graphql`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ query: document, variables: vars }),
        });
        const text = await res.text();
        expect(res.status, text).toBeLessThan(500);
        const body = JSON.parse(text) as { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string; field?: string } }[] };
        if (!body.errors?.length) return;
        for (const e of body.errors) {
          expect(ALLOWED.has(e.extensions?.code ?? ''), text).toBe(true);
          if (e.extensions?.code === 'BAD_USER_INPUT') expect(Boolean(e.extensions.field) || /^Variable "\$\w+"/.test(e.message), text).toBe(true);
        }
        if (!body.data?.[field.name]) expect(await fingerprint(), `${field.name}: ${text}`).toBe(before);
      }),
      { numRuns: RUNS },
    );
  });
});
