import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restRoutes } from '../src/rest/routeTable.js';
import { seedCreateTeamResponse, seedRequests } from './fixtures/seedExamples.js';
import { rest, type RestResult } from './helpers/rest.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// The OpenAPI document of the REST shim: valid OpenAPI 3.1 (checked by a validator of the
// specification), accepting every request the seed documents show, and describing what the
// server actually answers (real answers checked against it with a JSON Schema validator).

type Operation = { requestBody?: unknown; responses: Record<string, { content?: unknown }>; parameters: { name: string; in: string }[] };
let s: TestServer;
let doc: { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, { properties: Record<string, unknown> }> } };
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);

beforeAll(async () => {
  s = await startTestServer({ listen: true });
  const res = await fetch(`${s.baseUrl}/api/v1/openapi.json`); // no token needed
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  doc = await res.json();
  ajv.addSchema(doc, 'openapi');
});
afterAll(() => s.stop());

/** A JSON pointer into the document, as a $ref. */
const pointer = (...segments: string[]) => `openapi#/${segments.map((p) => encodeURIComponent(p.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/')}`;
const validators = new Map<string, ValidateFunction>();
function validatorAt(...segments: string[]): ValidateFunction {
  const ref = pointer(...segments);
  let validate = validators.get(ref);
  if (!validate) validators.set(ref, (validate = ajv.compile({ $ref: ref })));
  return validate;
}

/** The documented path template a concrete path falls under. */
function templateOf(method: string, path: string): string {
  const bare = path.split('?')[0]!;
  const found = Object.keys(doc.paths).find(
    (template) => new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`).test(bare) && doc.paths[template]![method.toLowerCase()],
  );
  if (!found) throw new Error(`${method} ${bare} is not documented`);
  return found;
}

/** Fails unless the answer is one the document describes for this operation and status. */
function expectDocumented(method: string, path: string, res: RestResult) {
  const template = templateOf(method, path);
  const response = doc.paths[template]![method.toLowerCase()]!.responses[String(res.status)];
  expect(response, `${method} ${template} documents status ${res.status}`).toBeDefined();
  if (!response!.content) return expect(res.text).toBe('');
  const validate = validatorAt('paths', template, method.toLowerCase(), 'responses', String(res.status), 'content', 'application/json', 'schema');
  expect(validate(res.body) ? [] : validate.errors, `${method} ${path} → ${res.status}: ${res.text.slice(0, 300)}`).toEqual([]);
}

/** A REST call whose answer must match the document. */
async function call(method: string, path: string, body?: object, owner?: string | null) {
  const res = await rest(s, method, path, { body, owner });
  expectDocumented(method, path, res);
  return res;
}

describe('GET /api/v1/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(doc as never);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it('documents exactly the routes the shim runs, and the shim answers each one', async () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const run = restRoutes.map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    expect(documented.sort()).toEqual(run.sort());
    for (const entry of documented) {
      const [method, template] = entry.split(' ') as [string, string];
      const res = await rest(s, method, template.replace(/\{\w+\}/g, 'x'), { owner: null });
      expect(res.status, entry).toBe(401); // known route: authentication first (an unknown one is 404)
      expectDocumented(method, template, res);
    }
  });

  it('accepts every request of the seed documents', () => {
    for (const example of seedRequests) {
      const template = templateOf(example.method, example.path);
      const operation = doc.paths[template]![example.method.toLowerCase()]!;
      if (example.body === undefined) {
        expect(operation.requestBody === undefined || !(operation.requestBody as { required?: boolean }).required).toBe(true);
        continue;
      }
      expect(operation.requestBody, `${example.method} ${template} takes a body`).toBeDefined();
      const validate = validatorAt('paths', template, example.method.toLowerCase(), 'requestBody', 'content', 'application/json', 'schema');
      expect(validate(JSON.parse(example.body)) ? [] : validate.errors, `${example.seed}: ${example.method} ${example.path}`).toEqual([]);
      // The example ids fit the path parameters.
      const values = example.path.split('/');
      template.split('/').forEach((segment, i) => {
        const name = /^\{(\w+)\}$/.exec(segment)?.[1];
        if (!name) return;
        const at = operation.parameters.findIndex((p) => p.in === 'path' && p.name === name);
        const check = validatorAt('paths', template, example.method.toLowerCase(), 'parameters', String(at), 'schema');
        expect(check(values[i]), `${name} = ${values[i]}`).toBe(true);
      });
    }
  });

  it('refuses what the server refuses (the checks above are not vacuous)', async () => {
    const createQueue = validatorAt('paths', '/work-queues', 'post', 'requestBody', 'content', 'application/json', 'schema');
    expect(createQueue({ name: 'ok' })).toBe(true);
    expect(createQueue({ name: 5 })).toBe(false);
    expect(createQueue({ teamId: 'no name' })).toBe(false);
    const task = (await rest(s, 'POST', `/work-queues/${(await rest(s, 'POST', '/work-queues', { body: { name: 'q' } })).body.id}/tasks`, { body: { name: 't' } })).body;
    const taskSchema = validatorAt('components', 'schemas', 'Task');
    expect(taskSchema(task)).toBe(true);
    expect(taskSchema({ ...task, status: 'PENDING' })).toBe(false); // REST spells statuses in lower case
    expect(taskSchema({ ...task, createdAt: {} })).toBe(false); // times are ISO-8601 strings
    expect(taskSchema({ ...task, priority: undefined })).toBe(false);
  });

  it('describes the response example of the Teams document', () => {
    const example = JSON.parse(seedCreateTeamResponse.text);
    const response = doc.paths['/api/v1/teams']!.post!.responses[String(seedCreateTeamResponse.status)];
    expect(response).toBeDefined();
    expect(example.ok).toBe(true);
    // The example shows some of the fields: each one it shows has the documented type.
    for (const [key, value] of Object.entries(example.data)) {
      const validate = validatorAt('components', 'schemas', 'v1.Team', 'properties', key);
      expect(validate(value) ? [] : validate.errors, `data.${key}`).toEqual([]);
    }
  });

  it('describes what the server answers, success and error, on both surfaces', async () => {
    const queue = (await call('POST', '/work-queues', { name: 'bug-triage', teamId: 'engineering' })).body.id;
    await call('GET', '/work-queues');
    await call('GET', `/work-queues/${queue}`);
    await call('POST', `/work-queues/${queue}/tasks`, { name: 'Investigate', priority: 4, payload: { ticketId: 'T-4821' }, deadline: '2026-03-08T17:00:00.000Z' });
    await call('POST', `/work-queues/${queue}/tasks`, { name: 'later', deadline: '2099-01-01T00:00:00.000Z' });
    await call('POST', `/work-queues/${queue}/tasks`, { name: 'batch' });
    await call('GET', `/work-queues/${queue}/tasks?status=pending&limit=1`);
    const task = (await call('POST', `/work-queues/${queue}/dequeue`, { agentId: 'triage-agent' })).body;
    await call('POST', `/work-queue-tasks/${task.id}/heartbeat`, { leaseToken: task.leaseToken });
    await call('GET', `/work-queue-tasks/${task.id}`);
    await call('POST', `/work-queue-tasks/${task.id}/complete`, { result: { fix: 'PR #312' } });
    await call('POST', `/work-queue-tasks/${task.id}/fail`, { error: 'again' }); // 409
    const batch = (await call('POST', `/work-queues/${queue}/dequeue-batch`, { agentId: 'a', limit: 5 })).body;
    await call('POST', '/work-queue-tasks/complete-batch', { items: [{ id: batch[0].id, result: {} }, { id: 'wt_missing' }] });
    await call('POST', '/work-queue-tasks/fail-batch', { items: [{ id: batch[0].id, error: 'x' }] });
    await call('POST', `/work-queues/${queue}/dequeue`, { agentId: 'triage-agent' }); // 204
    const other = (await call('POST', '/work-queues', { name: 'other', teamId: 'engineering' })).body.id;
    await call('POST', `/work-queues/${other}/steal`, { agentId: 'idle-agent' }); // 204
    await call('POST', `/work-queues/${queue}/tasks`, { name: 'x', priority: 9 }); // 400
    await call('GET', '/work-queues/wq_missing'); // 404
    await call('GET', '/work-queues', undefined, null); // 401
    await call('DELETE', `/work-queues/${other}`);

    const team = (await call('POST', '/api/v1/teams', { name: 'research-team', size: 2, model: 'm', mode: 'coordinate', system_prompt: 'p' })).body.data;
    await call('POST', '/api/v1/teams', { name: 'research-team' }); // 409
    await call('POST', '/api/v1/teams', { name: 'x', size: 11 }); // 400
    await call('GET', '/api/v1/teams?limit=1');
    await call('GET', `/api/v1/teams/${team.id}`);
    await call('POST', `/api/v1/teams/${team.id}/agents`);
    const dispatch = (await call('POST', `/api/v1/teams/${team.id}/dispatch`, { task: 'Research topic', tools: ['web_search'], parallel: true })).body.data;
    await call('GET', `/api/v1/teams/${team.id}/dispatches/${dispatch.id}`);
    await call('POST', `/api/v1/teams/${team.id}/background`, { task: 'Monitor logs', max_runtime_seconds: 60 });
    const message = (await call('POST', `/api/v1/teams/${team.id}/messages`, { from: 'agent-1', to: 'agent-2', body: 'hi' })).body.data;
    await call('GET', `/api/v1/teams/${team.id}/messages`);
    await call('GET', `/api/v1/teams/${team.id}/agents/agent-2/inbox`);
    await call('POST', `/api/v1/teams/${team.id}/agents/agent-2/read`, { up_to: message.seq });
    await call('DELETE', `/api/v1/teams/${team.id}`);
    await call('GET', '/api/v1/teams/team-missing'); // 404
  });
});
