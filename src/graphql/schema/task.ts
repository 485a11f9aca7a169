import { z } from 'zod';
import { badInput } from '../../errors.js';
import { cancelTask } from '../../queues/cancel.js';
import { stealTask } from '../../queues/dequeue.js';
import { provideInput, requestInput } from '../../queues/input.js';
import { enqueueTask, enqueueTasks } from '../../queues/enqueue.js';
import { completeTask, completeTasks, failTask, failTasks, heartbeatTask, type TaskOutcome as Outcome } from '../../queues/finish.js';
import { idSchema, MAX_BATCH, MAX_CLAIM_BATCH } from '../../queues/validation.js';
import { dequeueWithWait } from '../../queues/waitForTask.js';
import { retryTask, retryTasks } from '../../queues/retry.js';
import { requireTask } from '../../queues/workQueues.js';
import { builder } from '../builder.js';
import type { Context } from '../context.js';
import { longPoll } from '../rateLimits.js';
import { RetryBackoff, RetryBackoffInput } from './retryBackoff.js';
import { TaskEvent, TaskEventTypeEnum } from './taskEvent.js';

export const TaskStatusEnum = builder.enumType('TaskStatus', {
  values: ['BLOCKED', 'PENDING', 'ASSIGNED', 'INPUT_REQUIRED', 'COMPLETED', 'FAILED', 'CANCELLED', 'EXPIRED'] as const,
});

export const Task = builder.prismaNode('Task', {
  description: 'A unit of work in a queue.',
  id: { field: 'id' },
  findUnique: (id, ctx) => ({ id, queue: { ownerId: ctx.ownerId } }),
  fields: (t) => ({
    queueId: t.exposeID('queueId'),
    queue: t.relation('queue'),
    name: t.exposeString('name'),
    priority: t.exposeInt('priority', { description: '1 (lowest) to 5 (highest).' }),
    payload: t.expose('payload', { type: 'JSONObject' }),
    status: t.expose('status', { type: TaskStatusEnum }),
    deadline: t.expose('deadline', { type: 'DateTime', nullable: true }),
    idempotencyKey: t.exposeString('idempotencyKey', { nullable: true }),
    assignedAgentId: t.exposeString('assignedAgentId', { nullable: true }),
    leaseToken: t.exposeString('leaseToken', {
      nullable: true,
      description:
        'Changes with every assignment. Pass it to completeTask/failTask/heartbeatTask so an agent whose lease ran out cannot finish a task handed to someone else.',
    }),
    leaseExpiresAt: t.expose('leaseExpiresAt', { type: 'DateTime', nullable: true }),
    attempts: t.exposeInt('attempts', { description: 'Times the task has been assigned.' }),
    maxAttempts: t.exposeInt('maxAttempts'),
    runAt: t.expose('runAt', {
      type: 'DateTime',
      nullable: true,
      description: 'Not handed out, stolen or counted as ready before this time (a retry backoff or a delay).',
    }),
    retryBackoff: t.field({
      type: RetryBackoff,
      nullable: true,
      description: "This task's overrides of its queue's retryBackoff.",
      resolve: (task) => (task.retryBackoff as Record<string, number> | null) ?? null,
    }),
    exhausted: t.exposeBoolean('exhausted', { description: 'FAILED because its attempts ran out (a dead letter to redrive with retryTask).' }),
    errors: t.field({
      type: [TaskError],
      description: 'Every error of the task, oldest first: retried failures, lost leases, the final failure or expiry.',
      resolve: async (task, _args, ctx) =>
        (await ctx.loaders.taskEvents().load(task.id)).flatMap((e) => {
          const detail = (e.detail ?? {}) as { error?: string; attempt?: number };
          const counted = e.type === 'REQUEUED' || e.type === 'FAILED' || e.type === 'EXPIRED';
          return counted && detail.error ? [{ type: e.type, error: detail.error, attempt: detail.attempt ?? null, agentId: e.agentId, at: e.createdAt }] : [];
        }),
    }),
    inputRequest: t.expose('inputRequest', {
      type: 'JSONObject',
      nullable: true,
      description: "The agent's question to a person (requestInput); kept after the answer.",
    }),
    inputRequestedAt: t.expose('inputRequestedAt', { type: 'DateTime', nullable: true }),
    inputResponse: t.expose('inputResponse', { type: 'JSONObject', nullable: true, description: 'The answer (provideInput).' }),
    result: t.expose('result', { type: 'JSON', nullable: true }),
    error: t.exposeString('error', { nullable: true, description: 'The last error: from failTask, a lost lease or the deadline.' }),
    cost: t.exposeFloat('cost', {
      nullable: true,
      description: 'The cost completeTask/failTask reported for it (summed over its attempts); null when none was reported.',
    }),
    reservedFor: t.exposeString('reservedFor', { nullable: true, description: 'Parallel dispatch: the only member that may take it.' }),
    dispatchId: t.exposeID('dispatchId', { nullable: true }),
    maxRuntimeSeconds: t.exposeInt('maxRuntimeSeconds', { nullable: true, description: 'Background tasks fail when running longer.' }),
    stolen: t.boolean({ resolve: (task) => task.stolenAt !== null }),
    stolenByQueueId: t.exposeID('stolenByQueueId', { nullable: true, description: 'The queue whose agent stole this task.' }),
    stolenAt: t.expose('stolenAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    assignedAt: t.expose('assignedAt', { type: 'DateTime', nullable: true }),
    completedAt: t.field({ type: 'DateTime', nullable: true, resolve: (task) => (task.status === 'COMPLETED' ? task.finishedAt : null) }),
    failedAt: t.field({ type: 'DateTime', nullable: true, resolve: (task) => (task.status === 'FAILED' ? task.finishedAt : null) }),
    finishedAt: t.expose('finishedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it reached a final status (completed, failed, expired or cancelled).',
    }),
    events: t.field({
      type: [TaskEvent],
      description: 'Every state change, oldest first.',
      resolve: (task, _args, ctx) => ctx.loaders.taskEvents().load(task.id),
    }),
  }),
});

// Declared after Task: the task of an event (loaded by id: events keep no relation to tasks).
builder.prismaObjectFields('TaskEvent', (t) => ({
  task: t.field({ type: Task, resolve: async (e, _args, ctx) => (await ctx.loaders.task().load(e.taskId))! }),
}));

// Declared after Task: fields of type Task on Task itself.
builder.prismaObjectFields('Task', (t) => ({
    dependencies: t.field({
      type: [Task],
      description: 'The tasks this one waits for (BLOCKED until all COMPLETED), with their results.',
      select: { dependencies: { select: { dependsOn: true }, orderBy: { dependsOnId: 'asc' } } },
      resolve: (task) => task.dependencies.map((d) => d.dependsOn),
    }),
    dependents: t.field({
      type: [Task],
      description: 'The tasks that wait for this one.',
      select: { dependents: { select: { task: true }, orderBy: { taskId: 'asc' } } },
      resolve: (task) => task.dependents.map((d) => d.task),
    }),
}));

const TaskError = builder
  .objectRef<{ type: string; error: string; attempt: number | null; agentId: string | null; at: Date }>('TaskError')
  .implement({
    description: 'One error in a task history (from its task events).',
    fields: (t) => ({
      type: t.field({ type: TaskEventTypeEnum, description: 'REQUEUED (retried), FAILED or EXPIRED.', resolve: (e) => e.type as never }),
      error: t.exposeString('error'),
      attempt: t.exposeInt('attempt', { nullable: true, description: 'The attempt it ended.' }),
      agentId: t.exposeString('agentId', { nullable: true }),
      at: t.expose('at', { type: 'DateTime' }),
    }),
  });

const EnqueueTaskInput = builder.inputType('EnqueueTaskInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    priority: t.int({ description: '1–5, 5 is highest (default 3).' }),
    payload: t.field({ type: 'JSONObject', description: `Any JSON object up to 64 KiB.` }),
    deadline: t.field({
      type: 'DateTime',
      description: 'After it the task expires. One already past creates the task EXPIRED.',
    }),
    idempotencyKey: t.string({ description: 'Repeating a key in the same queue returns the first task.' }),
    maxAttempts: t.int({ description: "Defaults to the queue's maxAttempts." }),
    retryBackoff: t.field({ type: RetryBackoffInput, description: "Overrides keys of the queue's retryBackoff for this task." }),
    runAt: t.field({ type: 'DateTime', description: 'Not claimable, stealable or counted as ready before this time.' }),
    delaySeconds: t.int({ description: 'Same as runAt = now + delaySeconds (at most 366 days); not with runAt.' }),
    dependsOn: t.idList({
      description:
        'Your tasks (any queue, at most 100) this one waits for: BLOCKED until all COMPLETED, then PENDING; CANCELLED naming the first of them that fails, expires or is cancelled.',
    }),
  }),
});

const leaseArgs = (t: Parameters<Parameters<typeof builder.mutationFields>[0]>[0]) => ({
  id: t.arg.id({ required: true }),
  leaseToken: t.arg.string({ description: 'The token from dequeue; refused with CONFLICT once the lease was lost.' }),
  agentId: t.arg.string({ description: 'When given, the task must be assigned to this agent.' }),
});

const COST_DESCRIPTION = 'What this attempt cost, in your units (dollars, tokens…): a finite number ≥ 0, added to the task and to its team’s spend.';

const CompleteTaskItem = builder.inputType('CompleteTaskItem', {
  fields: (t) => ({
    id: t.id({ required: true }),
    leaseToken: t.string({ description: 'The token from dequeue: the item is refused once the lease was lost.' }),
    agentId: t.string({ description: 'When given, the task must be assigned to this agent.' }),
    result: t.field({ type: 'JSONObject' }),
    cost: t.float({ description: COST_DESCRIPTION }),
  }),
});

const FailTaskItem = builder.inputType('FailTaskItem', {
  fields: (t) => ({
    id: t.id({ required: true }),
    leaseToken: t.string(),
    agentId: t.string(),
    error: t.string({ required: true }),
    retry: t.boolean({ description: 'Requeue when attempts remain (default false).' }),
    cost: t.float({ description: COST_DESCRIPTION }),
  }),
});

const TaskOutcome = builder.objectRef<Outcome>('TaskOutcome').implement({
  description: 'What became of one item of a batch: the task when it took effect, else the error code and why.',
  fields: (t) => ({
    id: t.exposeID('id'),
    ok: t.exposeBoolean('ok'),
    code: t.string({ nullable: true, description: 'NOT_FOUND or CONFLICT when the item did not take effect.', resolve: (o) => o.code }),
    message: t.exposeString('message', { nullable: true }),
    task: t.field({ type: Task, nullable: true, resolve: (o) => o.task }),
  }),
});

const awaitingWhere = (ownerId: string, args: { queueId?: string | null; teamId?: string | null }) => ({
  status: 'INPUT_REQUIRED' as const,
  queue: { ownerId, ...(args.queueId ? { id: args.queueId } : {}), ...(args.teamId ? { teamId: args.teamId } : {}) },
});

const RetryTasksPayload = builder.objectRef<{ queueId: string; retried: number }>('RetryTasksPayload').implement({
  fields: (t) => ({
    queueId: t.exposeID('queueId'),
    retried: t.exposeInt('retried', { description: 'Tasks sent back to PENDING.' }),
  }),
});

/** Owner tokens name the agent; agent tokens have it filled in by the permission rules. */
function withAgent<A extends { agentId?: string | null }>(args: A): A & { agentId: string } {
  if (args.agentId == null) throw badInput('agentId', 'is required');
  return args as A & { agentId: string };
}

/**
 * Long polls on this instance waiting for the queue are woken right after the enqueue committed,
 * without waiting for the event tailer's read (a wake-up is a doorbell: the poll claims for itself).
 */
function wakePolls(ctx: Context, tasks: { id: string; queueId: string; status: string }[]) {
  const ready = tasks.find((t) => t.status === 'PENDING');
  if (ready) ctx.bus.publish('work', ready.queueId, ready.id);
}

builder.queryFields((t) => ({
  awaitingInput: t.prismaConnection({
    type: 'Task',
    cursor: 'id',
    description: 'Your tasks waiting for a person (INPUT_REQUIRED), oldest question first; optionally of one queue or team.',
    args: { queueId: t.arg.id(), teamId: t.arg.id() },
    // Loose: the connection's own arguments (first, after, …) pass through untouched.
    validate: z.looseObject({ queueId: idSchema.nullish(), teamId: idSchema.nullish() }),
    totalCount: (_parent, args, ctx) => ctx.db.prisma.task.count({ where: awaitingWhere(ctx.ownerId, args) }),
    resolve: (query, _parent, args, ctx) =>
      ctx.db.prisma.task.findMany({ ...query, where: awaitingWhere(ctx.ownerId, args), orderBy: [{ inputRequestedAt: 'asc' }, { id: 'asc' }] }),
  }),
  task: t.field({
    type: Task,
    description: 'One of your tasks; NOT_FOUND for a missing or foreign id.',
    args: { id: t.arg.id({ required: true }) },
    validate: z.object({ id: idSchema }),
    resolve: (_parent, args, ctx) => requireTask(ctx.db, ctx.ownerId, args.id),
  }),
}));

builder.mutationFields((t) => ({
  enqueueTask: t.field({
    type: Task,
    description:
      'Adds a task. With a repeated idempotencyKey, returns the first task instead. When a long poll (dequeueTask or dequeueTasks with waitSeconds) waits for this queue on the same server, a task that could be claimed at once is handed to it: the answer is then ASSIGNED to that agent.',
    args: { queueId: t.arg.id({ required: true }), input: t.arg({ type: EnqueueTaskInput, required: true }) },
    resolve: async (_parent, args, ctx) => {
      const { task } = await enqueueTask(ctx.db, ctx.ownerId, args.queueId, args.input, ctx.handOff);
      wakePolls(ctx, [task]);
      return task;
    },
  }),
  enqueueTasks: t.field({
    type: [Task],
    description: `Adds up to ${MAX_BATCH} tasks atomically (all or none), in order.`,
    args: { queueId: t.arg.id({ required: true }), tasks: t.arg({ type: [EnqueueTaskInput], required: true }) },
    resolve: async (_parent, args, ctx) => {
      const tasks = (await enqueueTasks(ctx.db, ctx.ownerId, args.queueId, args.tasks)).map((r) => r.task);
      wakePolls(ctx, tasks);
      return tasks;
    },
  }),
  dequeueTask: t.field({
    type: Task,
    nullable: true,
    description:
      'Assigns the highest-priority pending task (oldest first) to the agent; null when none. With waitSeconds (at most 30) it waits for a task to arrive before answering null.',
    args: {
      queueId: t.arg.id({ required: true }),
      agentId: t.arg.string({ description: 'The claiming agent; an agent token defaults it to its own member.' }),
      waitSeconds: t.arg.int({ description: 'Long poll: wait up to this many seconds (0–30) for a task.' }),
    },
    resolve: async (_parent, args, ctx) => (await longPoll(ctx, args.waitSeconds, () => dequeueWithWait(ctx.db, ctx.bus, ctx.ownerId, withAgent(args), ctx.signal, ctx.handOff)))[0] ?? null,
  }),
  dequeueTasks: t.field({
    type: [Task],
    description: `Assigns up to \`limit\` (1–${MAX_CLAIM_BATCH}) pending tasks to the agent, highest priority first, each under its own lease; empty when none. With waitSeconds it waits for the first one. A member of the queue's team takes one task at a time.`,
    args: {
      queueId: t.arg.id({ required: true }),
      agentId: t.arg.string({ description: 'The claiming agent; an agent token defaults it to its own member.' }),
      limit: t.arg.int({ required: true }),
      waitSeconds: t.arg.int({ description: 'Long poll: wait up to this many seconds (0–30) for a task.' }),
    },
    resolve: (_parent, args, ctx) => longPoll(ctx, args.waitSeconds, () => dequeueWithWait(ctx.db, ctx.bus, ctx.ownerId, withAgent(args), ctx.signal, ctx.handOff)),
  }),
  stealTask: t.field({
    type: Task,
    nullable: true,
    description: "Takes the top task of the busiest other queue in this queue's group; null when none.",
    args: { queueId: t.arg.id({ required: true }), agentId: t.arg.string({ description: 'The stealing agent; an agent token defaults it to its own member.' }) },
    resolve: (_parent, args, ctx) => stealTask(ctx.db, ctx.ownerId, withAgent(args)),
  }),
  completeTask: t.field({
    type: Task,
    description: 'Completes an ASSIGNED task with its result; anything else is CONFLICT.',
    args: { ...leaseArgs(t), result: t.arg({ type: 'JSONObject' }), cost: t.arg.float({ description: COST_DESCRIPTION }) },
    resolve: (_parent, args, ctx) => completeTask(ctx.db, ctx.ownerId, args),
  }),
  completeTasks: t.field({
    type: [TaskOutcome],
    description: `Completes up to ${MAX_BATCH} tasks in one statement, each fenced like completeTask; each item answers for itself.`,
    args: { items: t.arg({ type: [CompleteTaskItem], required: true }) },
    resolve: (_parent, args, ctx) => completeTasks(ctx.db, ctx.ownerId, args.items),
  }),
  failTask: t.field({
    type: Task,
    description: 'Fails an ASSIGNED task. With retry and attempts left it goes back to PENDING.',
    args: {
      ...leaseArgs(t),
      error: t.arg.string({ required: true }),
      retry: t.arg.boolean({ defaultValue: false }),
      cost: t.arg.float({ description: COST_DESCRIPTION }),
    },
    resolve: (_parent, args, ctx) => failTask(ctx.db, ctx.ownerId, args),
  }),
  failTasks: t.field({
    type: [TaskOutcome],
    description: `Fails up to ${MAX_BATCH} tasks in one statement, each fenced like failTask; each item answers for itself.`,
    args: { items: t.arg({ type: [FailTaskItem], required: true }) },
    resolve: (_parent, args, ctx) => failTasks(ctx.db, ctx.ownerId, args.items),
  }),
  cancelTask: t.field({
    type: Task,
    description:
      'Cancels a task that has not finished (pending or held by an agent) with a reason; the holder is told at once by the CANCELLED task event and its later complete/fail/heartbeat answer CONFLICT. A finished task answers CONFLICT.',
    args: { id: t.arg.id({ required: true }), reason: t.arg.string({ description: 'Kept as the task error and carried by the event.' }) },
    resolve: (_parent, args, ctx) => cancelTask(ctx.db, ctx.ownerId, args),
  }),
  retryTask: t.field({
    type: Task,
    description:
      'Redrives a FAILED (e.g. exhausted), CANCELLED or EXPIRED task: PENDING again, due at once, keeping its error history. resetAttempts starts its attempts from 0; otherwise it gets one more. CONFLICT for any other status or a closed queue.',
    args: { id: t.arg.id({ required: true }), resetAttempts: t.arg.boolean({ defaultValue: false }) },
    resolve: (_parent, args, ctx) => retryTask(ctx.db, ctx.ownerId, args),
  }),
  retryTasks: t.field({
    type: RetryTasksPayload,
    description: 'Redrives every task of the queue with this status (default FAILED), like retryTask, in one statement.',
    args: {
      queueId: t.arg.id({ required: true }),
      status: t.arg({ type: TaskStatusEnum, defaultValue: 'FAILED', description: 'FAILED, CANCELLED or EXPIRED.' }),
      resetAttempts: t.arg.boolean({ defaultValue: false }),
    },
    resolve: (_parent, args, ctx) => retryTasks(ctx.db, ctx.ownerId, args),
  }),
  requestInput: t.field({
    type: Task,
    description:
      'The holder asks a person for input: the task waits INPUT_REQUIRED (no lease runs; the deadline still does) until provideInput. It may still fail it with the same lease token.',
    args: {
      id: t.arg.id({ required: true }),
      leaseToken: t.arg.string({ required: true }),
      agentId: t.arg.string(),
      request: t.arg({ type: 'JSONObject', required: true, description: 'What the person should answer (any JSON object).' }),
    },
    resolve: (_parent, args, ctx) => requestInput(ctx.db, ctx.ownerId, args),
  }),
  provideInput: t.field({
    type: Task,
    description:
      'Answers a task waiting for input: ASSIGNED to the same agent again under a fresh lease token (read it from the task); the INPUT_PROVIDED event carries the response. CONFLICT unless INPUT_REQUIRED.',
    args: { id: t.arg.id({ required: true }), response: t.arg({ type: 'JSONObject', required: true }) },
    resolve: (_parent, args, ctx) => provideInput(ctx.db, ctx.ownerId, args),
  }),
  heartbeatTask: t.field({
    type: Task,
    description: "Extends an ASSIGNED task's lease by extendSeconds (default: the queue's visibility timeout).",
    args: { ...leaseArgs(t), extendSeconds: t.arg.int() },
    resolve: (_parent, args, ctx) => heartbeatTask(ctx.db, ctx.ownerId, args),
  }),
}));
