import { badInput } from '../../errors.js';
import { intParam, pick } from '../http.js';
import * as ops from '../operations.generated.js';
import { page, route } from '../route.js';

// Seed 000: /work-queues and /work-queue-tasks answer with the resource itself, in camelCase.

const QUEUE_FIELDS = ['name', 'teamId', 'visibilityTimeoutSeconds', 'maxAttempts'] as const;
const TASK_FIELDS = ['name', 'priority', 'payload', 'deadline', 'idempotencyKey', 'maxAttempts'] as const;
const LEASE_FIELDS = ['leaseToken', 'agentId'] as const;

/** `?limit=&cursor=` → connection arguments. */
export const paging = (query: URLSearchParams) => ({ first: intParam(query, 'limit'), after: query.get('cursor') || undefined });

/** REST filters use the lower-case status names. */
function statusFilter(query: URLSearchParams): ops.TaskStatus | undefined {
  const status = query.get('status');
  if (!status) return undefined;
  const known = ['pending', 'assigned', 'completed', 'failed', 'cancelled', 'expired'];
  if (!known.includes(status)) throw badInput('status', `must be one of ${known.join(', ')}`);
  return status.toUpperCase() as ops.TaskStatus;
}

const taskOrEmpty = (task: unknown) => (task ? { status: 200, body: task } : { status: 204 });

export const workQueueRoutes = [
  route({
    method: 'POST',
    path: '/work-queues',
    document: ops.RestCreateWorkQueueDocument,
    variables: ({ body }) => ({ input: pick(body, QUEUE_FIELDS) as ops.CreateWorkQueueInput }),
    respond: (d) => ({ status: 201, body: d.createWorkQueue }),
  }),
  route({
    method: 'GET',
    path: '/work-queues',
    document: ops.RestListWorkQueuesDocument,
    variables: ({ query }) => paging(query),
    respond: (d) => ({ status: 200, body: page(d.workQueues) }),
    renames: { first: 'limit', after: 'cursor' },
  }),
  route({
    method: 'GET',
    path: '/work-queues/:id',
    document: ops.RestGetWorkQueueDocument,
    variables: ({ params }) => ({ id: params.id! }),
    respond: (d) => ({ status: 200, body: d.workQueue }),
  }),
  route({
    method: 'DELETE',
    path: '/work-queues/:id',
    document: ops.RestDeleteWorkQueueDocument,
    variables: ({ params }) => ({ id: params.id! }),
    respond: (d) => ({ status: 200, body: d.deleteWorkQueue }),
  }),
  route({
    method: 'POST',
    path: '/work-queues/:id/tasks',
    document: ops.RestEnqueueTaskDocument,
    variables: ({ params, body }) => ({ queueId: params.id!, input: pick(body, TASK_FIELDS) as ops.EnqueueTaskInput }),
    respond: (d) => ({ status: 201, body: d.enqueueTask }),
  }),
  route({
    method: 'GET',
    path: '/work-queues/:id/tasks',
    document: ops.RestListTasksDocument,
    variables: ({ params, query }) => ({ queueId: params.id!, status: statusFilter(query), ...paging(query) }),
    respond: (d) => ({ status: 200, body: page(d.workQueue.tasks) }),
    renames: { first: 'limit', after: 'cursor' },
  }),
  route({
    method: 'POST',
    path: '/work-queues/:id/dequeue',
    document: ops.RestDequeueTaskDocument,
    variables: ({ params, query, body }) => ({
      queueId: params.id!,
      agentId: body.agentId as string,
      waitSeconds: intParam(query, 'wait'),
    }),
    respond: (d) => taskOrEmpty(d.dequeueTask),
    renames: { waitSeconds: 'wait' },
  }),
  route({
    method: 'POST',
    path: '/work-queues/:id/dequeue-batch',
    document: ops.RestDequeueTasksDocument,
    variables: ({ params, query, body }) => ({
      queueId: params.id!,
      agentId: body.agentId as string,
      limit: body.limit as number,
      waitSeconds: intParam(query, 'wait'),
    }),
    respond: (d) => ({ status: 200, body: d.dequeueTasks }),
    renames: { waitSeconds: 'wait' },
  }),
  route({
    method: 'POST',
    path: '/work-queues/:id/steal',
    document: ops.RestStealTaskDocument,
    variables: ({ params, body }) => ({ queueId: params.id!, agentId: body.agentId as string }),
    respond: (d) => taskOrEmpty(d.stealTask),
  }),
  route({
    method: 'GET',
    path: '/work-queue-tasks/:id',
    document: ops.RestGetTaskDocument,
    variables: ({ params }) => ({ id: params.id! }),
    respond: (d) => ({ status: 200, body: d.task }),
  }),
  route({
    method: 'POST',
    path: '/work-queue-tasks/:id/complete',
    document: ops.RestCompleteTaskDocument,
    variables: ({ params, body }) => ({ id: params.id!, ...pick(body, ['result', ...LEASE_FIELDS]) }),
    respond: (d) => ({ status: 200, body: d.completeTask }),
  }),
  route({
    method: 'POST',
    path: '/work-queue-tasks/:id/fail',
    document: ops.RestFailTaskDocument,
    variables: ({ params, body }) => ({ id: params.id!, error: body.error as string, ...pick(body, ['retry', ...LEASE_FIELDS]) }),
    respond: (d) => ({ status: 200, body: d.failTask }),
  }),
  route({
    method: 'POST',
    path: '/work-queue-tasks/complete-batch',
    document: ops.RestCompleteTasksDocument,
    variables: ({ body }) => ({ items: body.items as ops.CompleteTaskItem[] }),
    respond: (d) => ({ status: 200, body: d.completeTasks }),
  }),
  route({
    method: 'POST',
    path: '/work-queue-tasks/fail-batch',
    document: ops.RestFailTasksDocument,
    variables: ({ body }) => ({ items: body.items as ops.FailTaskItem[] }),
    respond: (d) => ({ status: 200, body: d.failTasks }),
  }),
  route({
    method: 'POST',
    path: '/work-queue-tasks/:id/heartbeat',
    document: ops.RestHeartbeatTaskDocument,
    variables: ({ params, body }) => ({ id: params.id!, ...pick(body, ['extendSeconds', ...LEASE_FIELDS]) }),
    respond: (d) => ({ status: 200, body: d.heartbeatTask }),
  }),
];
