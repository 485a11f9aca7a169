import { z } from 'zod';
import { stealTaskFor } from '../../queues/dequeue.js';
import { dequeueWithWait } from '../../queues/waitForTask.js';
import { enqueueTasks } from '../../queues/enqueue.js';
import { completeTask, failTask, heartbeatTask } from '../../queues/finish.js';
import {
  agentIdSchema,
  errorTextSchema,
  extendSecondsSchema,
  idSchema,
  leaseTokenSchema,
  resultSchema,
  taskBatchSchema,
  taskInputSchema,
  waitSecondsSchema,
  type TaskInput,
} from '../../queues/validation.js';
import { requireTask } from '../../queues/workQueues.js';
import { builder } from '../builder.js';

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
    completedAt: t.expose('completedAt', { type: 'DateTime', nullable: true }),
    failedAt: t.expose('failedAt', { type: 'DateTime', nullable: true }),
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
const leaseSchema = { id: idSchema, leaseToken: leaseTokenSchema.nullish(), agentId: agentIdSchema.nullish() };

builder.queryFields((t) => ({
  task: t.field({
    type: Task,
    description: 'One of your tasks; NOT_FOUND for a missing or foreign id.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_parent, args, ctx) => requireTask(ctx.db, ctx.ownerId, args.id),
  }),
}));

builder.mutationFields((t) => ({
  enqueueTask: t.field({
    type: Task,
    description: 'Adds a task. With a repeated idempotencyKey, returns the first task instead.',
    args: { queueId: t.arg.id({ required: true }), input: t.arg({ type: EnqueueTaskInput, required: true }) },
    validate: z.object({ queueId: idSchema, input: taskInputSchema }),
    resolve: async (_parent, args, ctx) => {
      const [first] = await enqueueTasks(ctx.db, ctx.ownerId, args.queueId, [args.input as TaskInput]);
      return first!.task;
    },
  }),
  enqueueTasks: t.field({
    type: [Task],
    description: 'Adds up to 500 tasks atomically (all or none), in order.',
    args: { queueId: t.arg.id({ required: true }), tasks: t.arg({ type: [EnqueueTaskInput], required: true }) },
    validate: z.object({ queueId: idSchema, tasks: taskBatchSchema }),
    resolve: async (_parent, args, ctx) =>
      (await enqueueTasks(ctx.db, ctx.ownerId, args.queueId, args.tasks as TaskInput[])).map((r) => r.task),
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
    validate: z.object({ queueId: idSchema, agentId: agentIdSchema, waitSeconds: waitSecondsSchema.nullish() }),
    resolve: (_parent, args, ctx) =>
      dequeueWithWait(ctx.db, ctx.bus, ctx.ownerId, args.queueId, args.agentId, args.waitSeconds ?? 0, ctx.signal),
  }),
  stealTask: t.field({
    type: Task,
    nullable: true,
    description: "Takes the top task of the busiest other queue in this queue's group; null when none.",
    args: { queueId: t.arg.id({ required: true }), agentId: t.arg.string({ required: true }) },
    validate: z.object({ queueId: idSchema, agentId: agentIdSchema }),
    resolve: (_parent, args, ctx) => stealTaskFor(ctx.db, ctx.ownerId, args.queueId, args.agentId),
  }),
  completeTask: t.field({
    type: Task,
    description: 'Completes an ASSIGNED task with its result; anything else is CONFLICT.',
    args: { ...leaseArgs(t), result: t.arg({ type: 'JSONObject' }) },
    validate: z.object({ ...leaseSchema, result: resultSchema.nullish() }),
    resolve: (_parent, args, ctx) => completeTask(ctx.db, ctx.ownerId, args.id, args.result, args),
  }),
  failTask: t.field({
    type: Task,
    description: 'Fails an ASSIGNED task. With retry and attempts left it goes back to PENDING.',
    args: { ...leaseArgs(t), error: t.arg.string({ required: true }), retry: t.arg.boolean({ defaultValue: false }) },
    validate: z.object({ ...leaseSchema, error: errorTextSchema, retry: z.boolean().nullish() }),
    resolve: (_parent, args, ctx) => failTask(ctx.db, ctx.ownerId, args.id, args.error, args),
  }),
  heartbeatTask: t.field({
    type: Task,
    description: "Extends an ASSIGNED task's lease by extendSeconds (default: the queue's visibility timeout).",
    args: { ...leaseArgs(t), extendSeconds: t.arg.int() },
    validate: z.object({ ...leaseSchema, extendSeconds: extendSecondsSchema.nullish() }),
    resolve: (_parent, args, ctx) => heartbeatTask(ctx.db, ctx.ownerId, args.id, args),
  }),
}));
