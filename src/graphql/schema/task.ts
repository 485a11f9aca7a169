import { z } from 'zod';
import { stealTask } from '../../queues/dequeue.js';
import { enqueueTask, enqueueTasks } from '../../queues/enqueue.js';
import { completeTask, completeTasks, failTask, failTasks, heartbeatTask, type TaskOutcome as Outcome } from '../../queues/finish.js';
import { idSchema, MAX_BATCH, MAX_CLAIM_BATCH } from '../../queues/validation.js';
import { dequeueWithWait } from '../../queues/waitForTask.js';
import { requireTask } from '../../queues/workQueues.js';
import { builder } from '../builder.js';
import type { Context } from '../context.js';

export const TaskStatusEnum = builder.enumType('TaskStatus', {
  values: ['PENDING', 'ASSIGNED', 'COMPLETED', 'FAILED', 'CANCELLED', 'EXPIRED'] as const,
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
    result: t.expose('result', { type: 'JSON', nullable: true }),
    error: t.exposeString('error', { nullable: true, description: 'The last error: from failTask, a lost lease or the deadline.' }),
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
    events: t.relation('events', {
      description: 'Every state change, oldest first.',
      query: { orderBy: { id: 'asc' } },
    }),
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
  }),
});

const leaseArgs = (t: Parameters<Parameters<typeof builder.mutationFields>[0]>[0]) => ({
  id: t.arg.id({ required: true }),
  leaseToken: t.arg.string({ description: 'The token from dequeue; refused with CONFLICT once the lease was lost.' }),
  agentId: t.arg.string({ description: 'When given, the task must be assigned to this agent.' }),
});

const CompleteTaskItem = builder.inputType('CompleteTaskItem', {
  fields: (t) => ({
    id: t.id({ required: true }),
    leaseToken: t.string({ description: 'The token from dequeue: the item is refused once the lease was lost.' }),
    agentId: t.string({ description: 'When given, the task must be assigned to this agent.' }),
    result: t.field({ type: 'JSONObject' }),
  }),
});

const FailTaskItem = builder.inputType('FailTaskItem', {
  fields: (t) => ({
    id: t.id({ required: true }),
    leaseToken: t.string(),
    agentId: t.string(),
    error: t.string({ required: true }),
    retry: t.boolean({ description: 'Requeue when attempts remain (default false).' }),
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

/**
 * Long polls on this instance waiting for the queue are woken right after the enqueue committed,
 * without waiting for the event tailer's read (a wake-up is a doorbell: the poll claims for itself).
 */
function wakePolls(ctx: Context, tasks: { id: string; queueId: string; status: string }[]) {
  const ready = tasks.find((t) => t.status === 'PENDING');
  if (ready) ctx.bus.publish('work', ready.queueId, ready.id);
}

builder.queryFields((t) => ({
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
    description: 'Adds a task. With a repeated idempotencyKey, returns the first task instead.',
    args: { queueId: t.arg.id({ required: true }), input: t.arg({ type: EnqueueTaskInput, required: true }) },
    resolve: async (_parent, args, ctx) => {
      const { task } = await enqueueTask(ctx.db, ctx.ownerId, args.queueId, args.input);
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
      agentId: t.arg.string({ required: true }),
      waitSeconds: t.arg.int({ description: 'Long poll: wait up to this many seconds (0–30) for a task.' }),
    },
    resolve: async (_parent, args, ctx) => (await dequeueWithWait(ctx.db, ctx.bus, ctx.ownerId, args, ctx.signal))[0] ?? null,
  }),
  dequeueTasks: t.field({
    type: [Task],
    description: `Assigns up to \`limit\` (1–${MAX_CLAIM_BATCH}) pending tasks to the agent, highest priority first, each under its own lease; empty when none. With waitSeconds it waits for the first one. A member of the queue's team takes one task at a time.`,
    args: {
      queueId: t.arg.id({ required: true }),
      agentId: t.arg.string({ required: true }),
      limit: t.arg.int({ required: true }),
      waitSeconds: t.arg.int({ description: 'Long poll: wait up to this many seconds (0–30) for a task.' }),
    },
    resolve: (_parent, args, ctx) => dequeueWithWait(ctx.db, ctx.bus, ctx.ownerId, args, ctx.signal),
  }),
  stealTask: t.field({
    type: Task,
    nullable: true,
    description: "Takes the top task of the busiest other queue in this queue's group; null when none.",
    args: { queueId: t.arg.id({ required: true }), agentId: t.arg.string({ required: true }) },
    resolve: (_parent, args, ctx) => stealTask(ctx.db, ctx.ownerId, args),
  }),
  completeTask: t.field({
    type: Task,
    description: 'Completes an ASSIGNED task with its result; anything else is CONFLICT.',
    args: { ...leaseArgs(t), result: t.arg({ type: 'JSONObject' }) },
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
    args: { ...leaseArgs(t), error: t.arg.string({ required: true }), retry: t.arg.boolean({ defaultValue: false }) },
    resolve: (_parent, args, ctx) => failTask(ctx.db, ctx.ownerId, args),
  }),
  failTasks: t.field({
    type: [TaskOutcome],
    description: `Fails up to ${MAX_BATCH} tasks in one statement, each fenced like failTask; each item answers for itself.`,
    args: { items: t.arg({ type: [FailTaskItem], required: true }) },
    resolve: (_parent, args, ctx) => failTasks(ctx.db, ctx.ownerId, args.items),
  }),
  heartbeatTask: t.field({
    type: Task,
    description: "Extends an ASSIGNED task's lease by extendSeconds (default: the queue's visibility timeout).",
    args: { ...leaseArgs(t), extendSeconds: t.arg.int() },
    resolve: (_parent, args, ctx) => heartbeatTask(ctx.db, ctx.ownerId, args),
  }),
}));
