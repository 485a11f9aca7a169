import { boolParam, intParam, pick, toCamel } from '../http.js';
import * as ops from '../operations.generated.js';
import { page, route } from '../route.js';
import { paging } from './workQueues.js';

// Seed 002: /api/v1 takes snake_case bodies and answers in the {ok, data} envelope (the router
// converts keys and wraps); lists add next_cursor and total beside data.

/** snake_case body keys → the GraphQL input's camelCase. */
const camelBody = (body: Record<string, unknown>) => Object.fromEntries(Object.entries(body).map(([k, v]) => [toCamel(k), v]));

const list = (p: ReturnType<typeof page>) => ({ status: 200, body: p.items, meta: { nextCursor: p.nextCursor, total: p.total } });

export const teamRoutes = [
  route({
    method: 'POST',
    path: '/api/v1/teams',
    document: ops.RestCreateTeamDocument,
    variables: ({ body }) => ({ input: pick(camelBody(body), ['name', 'size', 'model', 'mode', 'systemPrompt']) as ops.CreateTeamInput }),
    respond: (d) => ({ status: 201, body: d.createTeam }),
  }),
  route({
    method: 'GET',
    path: '/api/v1/teams',
    document: ops.RestListTeamsDocument,
    variables: ({ query }) => paging(query),
    respond: (d) => list(page(d.teams)),
    renames: { first: 'limit', after: 'cursor' },
  }),
  route({
    method: 'GET',
    path: '/api/v1/teams/:id',
    document: ops.RestGetTeamDocument,
    variables: ({ params }) => ({ id: params.id! }),
    respond: (d) => ({ status: 200, body: d.team }),
  }),
  route({
    method: 'DELETE',
    path: '/api/v1/teams/:id',
    document: ops.RestStopTeamDocument,
    variables: ({ params, query }) => ({ id: params.id!, cancelRunning: boolParam(query, 'cancel_running') }),
    respond: (d) => ({ status: 200, body: d.stopTeam }),
  }),
  route({
    method: 'POST',
    path: '/api/v1/teams/:id/agents',
    document: ops.RestAddTeamMemberDocument,
    variables: ({ params }) => ({ teamId: params.id! }),
    respond: (d) => ({ status: 201, body: d.addTeamMember }),
  }),
  route({
    method: 'POST',
    path: '/api/v1/teams/:id/dispatch',
    document: ops.RestDispatchToTeamDocument,
    variables: ({ params, body }) => {
      const input = pick(camelBody(body), ['task', 'tools', 'parallel', 'completion']);
      // Enum values are lower-case on REST, as statuses are.
      if (typeof input.completion === 'string') input.completion = input.completion.toUpperCase();
      return { teamId: params.id!, input: input as ops.DispatchInput };
    },
    respond: (d) => ({ status: 201, body: d.dispatchToTeam }),
  }),
  route({
    method: 'GET',
    path: '/api/v1/teams/:id/dispatches/:dispatchId',
    document: ops.RestGetDispatchDocument,
    variables: ({ params }) => ({ id: params.dispatchId!, teamId: params.id! }),
    respond: (d) => ({ status: 200, body: d.dispatch }),
  }),
  route({
    method: 'POST',
    path: '/api/v1/teams/:id/background',
    document: ops.RestStartBackgroundTaskDocument,
    variables: ({ params, body }) => ({
      teamId: params.id!,
      input: pick(camelBody(body), ['task', 'maxRuntimeSeconds']) as ops.BackgroundTaskInput,
    }),
    respond: (d) => ({ status: 202, body: d.startBackgroundTask }),
  }),
  route({
    method: 'POST',
    path: '/api/v1/tasks/:id/cancel',
    document: ops.RestCancelTaskDocument,
    variables: ({ params, body }) => ({ id: params.id!, ...pick(body, ['reason']) }),
    respond: (d) => ({ status: 200, body: d.cancelTask }),
  }),
  route({
    method: 'POST',
    path: '/api/v1/tasks/:id/request-input',
    document: ops.RestRequestInputDocument,
    variables: ({ params, body }) => {
      const b = camelBody(body);
      return { id: params.id!, leaseToken: b.leaseToken as string, request: b.request as Record<string, unknown>, ...pick(b, ['agentId']) };
    },
    respond: (d) => ({ status: 200, body: d.requestInput }),
  }),
  route({
    method: 'POST',
    path: '/api/v1/tasks/:id/input',
    document: ops.RestProvideInputDocument,
    variables: ({ params, body }) => ({ id: params.id!, response: body.response as Record<string, unknown> }),
    respond: (d) => ({ status: 200, body: d.provideInput }),
  }),
  route({
    method: 'GET',
    path: '/api/v1/teams/:id/awaiting-input',
    document: ops.RestAwaitingInputDocument,
    variables: ({ params, query }) => ({ teamId: params.id!, ...paging(query) }),
    respond: (d) => list(page(d.awaitingInput)),
    renames: { first: 'limit', after: 'cursor' },
  }),
  route({
    method: 'POST',
    path: '/api/v1/tasks/:id/retry',
    document: ops.RestRetryTaskDocument,
    variables: ({ params, body }) => ({ id: params.id!, ...pick(camelBody(body), ['resetAttempts']) }),
    respond: (d) => ({ status: 200, body: d.retryTask }),
  }),
  route({
    method: 'POST',
    path: '/api/v1/teams/:id/messages',
    document: ops.RestSendMessageDocument,
    variables: ({ params, body }) => ({ teamId: params.id!, input: pick(body, ['from', 'to', 'body']) as ops.SendMessageInput }),
    respond: (d) => ({ status: 201, body: d.sendMessage }),
  }),
  route({
    method: 'GET',
    path: '/api/v1/teams/:id/messages',
    document: ops.RestListMessagesDocument,
    variables: ({ params, query }) => ({ teamId: params.id!, ...paging(query) }),
    respond: (d) => list(page(d.messages)),
    renames: { first: 'limit', after: 'cursor' },
  }),
  route({
    method: 'GET',
    path: '/api/v1/teams/:id/agents/:agent/inbox',
    document: ops.RestInboxDocument,
    variables: ({ params, query }) => ({
      teamId: params.id!,
      agent: params.agent!,
      after: intParam(query, 'after'),
      limit: intParam(query, 'limit'),
    }),
    respond: (d) => ({ status: 200, body: d.inbox }),
  }),
  route({
    method: 'POST',
    path: '/api/v1/teams/:id/agents/:agent/read',
    document: ops.RestMarkMessagesReadDocument,
    variables: ({ params, body }) => ({ teamId: params.id!, agent: params.agent!, upTo: body.up_to as number }),
    respond: (d) => ({ status: 200, body: { readSeq: d.markMessagesRead } }),
    renames: { upTo: 'up_to' },
  }),
];
