import { createRequire } from 'node:module';
import type { GraphQLSchema } from 'graphql';
import { STATUS_OF_CODE } from '../errors.js';
import { toSnake } from '../http.js';
import type { RoutePlan } from '../plan.js';
import { inputSchema } from './inputSchema.js';
import type { JsonSchema } from './jsonSchema.js';
import { OutputSchemas } from './outputSchema.js';

export const OPENAPI_PATH = '/api/v1/openapi.json';

const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string };

const ERROR_CODES = [...new Set([...Object.keys(STATUS_OF_CODE), 'INTERNAL_SERVER_ERROR'])];
const WHEN: Record<number, string> = {
  400: 'Invalid input: malformed JSON, a wrong type or value; `field` names the culprit. Nothing was written.',
  401: 'Missing, malformed or expired token.',
  404: 'No such resource among yours.',
  409: 'Not possible in the current state (e.g. the task is not assigned, the team is stopped). Nothing changed.',
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const REQUEST_ID = { $ref: '#/components/headers/RequestId' };

/** `/work-queues/:queueId/dequeue` → `/work-queues/{queueId}/dequeue`. */
const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/** `RestDequeueTask` → `dequeueTask`. */
const operationId = (plan: RoutePlan) => {
  const name = (plan.operation.name?.value ?? '').replace(/^Rest/, '');
  return name.charAt(0).toLowerCase() + name.slice(1);
};

/** The route's success answers: its JSON (in the surface's envelope), and the empty one if any. */
function successResponses(plan: RoutePlan, outputs: OutputSchemas): Record<string, unknown> {
  const { answer, document } = plan.route;
  const envelope = plan.envelope;
  const json = (schema: JsonSchema) => ({ content: { 'application/json': { schema } }, headers: { 'x-request-id': REQUEST_ID } });
  if ('page' in answer) {
    const items = { type: 'array', items: outputs.valueAt(document, `${answer.page}.edges.node`, envelope, true) };
    const cursor = { type: ['string', 'null'], description: 'Pass it back as `?cursor=` for the next page; null on the last one.' };
    const total = { type: 'integer', description: 'How many there are in all.' };
    const schema = envelope
      ? { type: 'object', properties: { ok: { const: true }, data: items, next_cursor: cursor, total }, required: ['ok', 'data', 'next_cursor', 'total'] }
      : { type: 'object', properties: { items, nextCursor: cursor, total }, required: ['items', 'nextCursor', 'total'] };
    return { [answer.status]: { description: answer.description ?? 'A page.', ...json(schema) } };
  }
  let value = outputs.valueAt(document, answer.body, envelope, answer.empty !== undefined);
  if (answer.wrap) {
    const key = envelope ? toSnake(answer.wrap) : answer.wrap;
    value = { type: 'object', properties: { [key]: value }, required: [key] };
  }
  const schema = envelope ? { type: 'object', properties: { ok: { const: true }, data: value }, required: ['ok', 'data'] } : value;
  return {
    [answer.status]: { description: answer.description ?? 'Done.', ...json(schema) },
    ...(answer.empty ? { [answer.empty]: { description: 'Nothing available.', headers: { 'x-request-id': REQUEST_ID } } } : {}),
  };
}

function errorResponses(plan: RoutePlan): Record<string, unknown> {
  const statuses = [400, 401, ...(plan.params.length ? [404] : []), ...(plan.operation.operation === 'mutation' ? [409] : [])];
  const schema = ref(plan.envelope ? 'v1.Error' : 'Error');
  return Object.fromEntries(
    statuses.map((status) => [status, { description: WHEN[status], headers: { 'x-request-id': REQUEST_ID }, content: { 'application/json': { schema } } }]),
  );
}

function operationOf(plan: RoutePlan, outputs: OutputSchemas) {
  const rootField = plan.operation.selectionSet.selections[0]!;
  const root = rootField.kind === 'Field' ? rootField.name.value : '';
  const parameter = (where: 'path' | 'query') => (input: RoutePlan['query'][number]) => {
    const { description, ...schema } = inputSchema(input, root);
    // A query string carries no null: the parameter is absent instead.
    const plain = Array.isArray(schema.type) ? { ...schema, type: (schema.type as string[]).find((t) => t !== 'null') } : (schema.anyOf as JsonSchema[] | undefined)?.[0] ?? schema;
    return { name: input.rest, in: where, required: where === 'path' || input.required, ...(description ? { description } : {}), schema: plain };
  };
  const body = plan.body.length
    ? {
        required: plan.body.some((f) => f.required),
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: Object.fromEntries(plan.body.map((f) => [f.rest, inputSchema(f, root)])),
              required: plan.body.filter((f) => f.required).map((f) => f.rest),
              description: 'Other fields are ignored.',
            },
          },
        },
      }
    : undefined;
  return {
    operationId: operationId(plan),
    summary: plan.route.summary,
    ...(plan.route.description ? { description: `${plan.route.description}\n\nRuns the GraphQL operation \`${root}\`.` } : { description: `Runs the GraphQL operation \`${root}\`.` }),
    tags: [plan.envelope ? 'Teams' : 'Work queues'],
    parameters: [...plan.params.map(parameter('path')), ...plan.query.map(parameter('query'))],
    ...(body ? { requestBody: body } : {}),
    responses: { ...successResponses(plan, outputs), ...errorResponses(plan) },
  };
}

/**
 * The OpenAPI 3.1 document of the REST shim, generated from the route table the shim runs and
 * the GraphQL schema its operations run against: paths, parameters, bodies and answers cannot
 * drift from what the server does.
 */
export function openApiDocument(plans: readonly RoutePlan[], schema: GraphQLSchema) {
  const outputs = new OutputSchemas(schema);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const plan of plans) {
    const path = openApiPath(plan.route.path);
    paths[path] = { ...paths[path], [plan.route.method.toLowerCase()]: operationOf(plan, outputs) };
  }
  const detail = {
    type: 'object',
    properties: {
      code: { type: 'string', enum: ERROR_CODES },
      message: { type: 'string' },
      field: { type: 'string', description: 'The input field at fault (400).' },
      requestId: { type: 'string', description: 'The `x-request-id` of the answer, to quote when reporting it.' },
    },
    required: ['code', 'message'],
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Agent Teams REST API',
      version,
      description:
        'The REST shim of the Agent Teams server: every endpoint runs one GraphQL operation against the same schema as `/graphql`. ' +
        '`/work-queues*` and `/work-queue-tasks*` take and answer camelCase JSON (the resource itself); `/api/v1/*` takes snake_case and answers `{ok, data}`. ' +
        'Statuses are lower case.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    tags: [
      { name: 'Work queues', description: 'Priority work queues: tasks, dequeue, stealing, completion.' },
      { name: 'Teams', description: 'Teams of persistent agents: dispatch, background tasks, mailbox.' },
    ],
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The token’s `sub` is the owner of everything the call reads or writes.' } },
      headers: { RequestId: { description: 'This request’s id (the caller’s `x-request-id` when it sent a sane one); it is in the access log.', schema: { type: 'string' } } },
      schemas: {
        ...Object.fromEntries(Object.entries(outputs.components).sort(([a], [b]) => a.localeCompare(b))),
        ErrorDetail: detail,
        Error: { type: 'object', properties: { error: ref('ErrorDetail') }, required: ['error'] },
        'v1.Error': { type: 'object', properties: { ok: { const: false }, error: ref('ErrorDetail') }, required: ['ok', 'error'] },
      },
    },
  };
}
