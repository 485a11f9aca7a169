import { z } from 'zod';
import { pageTasksBackward, pageTasksForward } from '../../queues/sql/pageTasks.js';
import { sumCosts } from '../../queues/sql/sumCosts.js';
import { createWorkQueue, deleteWorkQueue, requireQueue } from '../../queues/workQueues.js';
import { idSchema, queueInputSchema } from '../../queues/validation.js';
import { builder } from '../builder.js';
import { groupByParent, nodeQuery, relatedPage, totalCountOf } from '../connection.js';
import type { StatusCounts } from '../loaders.js';
import { bySeq, newestFirst, planPage } from '../pagination.js';
import { Spend } from './budget.js';
import { RetryBackoff, RetryBackoffInput } from './retryBackoff.js';
import { Task, TaskStatusEnum } from './task.js';
import './team.js';

export const WorkQueue = builder.prismaNode('WorkQueue', {
  description: 'A priority work queue. Queues of one owner with the same teamId steal work from each other.',
  id: { field: 'id' },
  // node(id) is owner-scoped: another owner's queue resolves like a missing one.
  findUnique: (id, ctx) => ({ id, ownerId: ctx.ownerId, deletedAt: null }),
  fields: (t) => ({
    name: t.exposeString('name'),
    teamId: t.exposeString('stealGroup', { nullable: true, description: 'Group key for work stealing (any string, or a team id).' }),
    team: t.relation('team', { nullable: true, description: 'The team this queue belongs to, when teamId named one of your teams at creation.' }),
    visibilityTimeoutSeconds: t.exposeInt('visibilityTimeoutSeconds', {
      description: 'How long a dequeued task stays leased to its agent without a heartbeat.',
    }),
    maxAttempts: t.exposeInt('maxAttempts', { description: 'Default attempts for new tasks before a lost lease fails them.' }),
    retryBackoff: t.field({
      type: RetryBackoff,
      description: 'Delay before a retried failure or a lost lease is handed out again.',
      resolve: (queue) => queue.retryBackoff as Record<string, number>,
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    counts: t.field({
      type: TaskCounts,
      description: 'Number of tasks in each status.',
      resolve: (queue, _args, ctx) => ctx.loaders.queueCounts().load(queue.id),
    }),
    spent: t.field({
      type: Spend,
      description:
        "What its tasks cost: the costs reported for them with completeTask/failTask, and its tasks that are COMPLETED or FAILED now. A team's budget is checked against the team's own meter (Team.spent).",
      resolve: async (queue, _args, ctx) => {
        const costs = ctx.loaders.batch<number>('queueCosts', async (queueIds) => {
          const byQueue = new Map((await sumCosts.rows(ctx.db.pool, { queueIds: [...queueIds] })).map((r) => [r.queueId, r.cost]));
          return queueIds.map((id) => byQueue.get(id) ?? 0);
        });
        const [cost, counts] = await Promise.all([costs.load(queue.id), ctx.loaders.queueCounts().load(queue.id)]);
        return { cost, tasks: counts.COMPLETED + counts.FAILED };
      },
    }),
    depth: t.int({
      description: 'Pending tasks that are due (ready to be dequeued now).',
      resolve: (queue, _args, ctx) => ctx.loaders.queueDepth().load(queue.id),
    }),
    tasks: t.connection(
      {
        type: Task,
        description: 'Tasks in insertion order, optionally filtered by status; exhausted: true lists the dead letters (FAILED with attempts used up).',
        args: { status: t.arg({ type: TaskStatusEnum, required: false }), exhausted: t.arg.boolean({ required: false }) },
        resolve: async (queue, args, ctx, info) => {
          const plan = planPage(args, { ownerId: ctx.ownerId, list: `tasks:${queue.id}` }, bySeq());
          const rows = await relatedPage(ctx, info, queue.id, args, async (queueIds, query) => {
            const page = await (plan.backward ? pageTasksBackward : pageTasksForward).rows(ctx.db.pool, {
              queueIds: [...queueIds],
              status: args.status ?? null,
              exhausted: args.exhausted ?? null,
              afterSeq: plan.position?.[0] ?? null,
              limit: plan.query.take,
            });
            const tasks = await ctx.db.prisma.task.findMany({ ...query, where: { id: { in: page.map((p) => p.id) } } });
            return groupByParent(page, tasks);
          });
          const counts = () => ctx.loaders.queueCounts().load(queue.id);
          return plan.connection(rows, async () => {
            const c = await counts();
            // Dead letters are a filter the grouped counts do not have: counted on demand.
            if (args.exhausted != null) {
              return ctx.db.prisma.task.count({ where: { queueId: queue.id, exhausted: args.exhausted, ...(args.status ? { status: args.status } : {}) } });
            }
            return args.status ? c[args.status] : Object.values(c).reduce((a, b) => a + b, 0);
          });
        },
      },
      { fields: (c) => ({ totalCount: c.int({ resolve: totalCountOf }) }) },
    ),
  }),
});

const TaskCounts = builder
  .objectRef<StatusCounts>('TaskCounts')
  .implement({
    fields: (t) => ({
      blocked: t.int({ description: 'Waiting for their dependencies.', resolve: (c) => c.BLOCKED }),
      pending: t.int({ description: 'All PENDING tasks, due or not.', resolve: (c) => c.PENDING }),
      delayed: t.int({ description: 'PENDING tasks not yet due (backoff or delay).', resolve: (c) => c.DELAYED }),
      assigned: t.int({ resolve: (c) => c.ASSIGNED }),
      inputRequired: t.int({ description: 'Waiting for a person (requestInput).', resolve: (c) => c.INPUT_REQUIRED }),
      completed: t.int({ resolve: (c) => c.COMPLETED }),
      failed: t.int({ resolve: (c) => c.FAILED }),
      cancelled: t.int({ resolve: (c) => c.CANCELLED }),
      expired: t.int({ resolve: (c) => c.EXPIRED }),
      total: t.int({ resolve: (c) => Object.entries(c).reduce((a, [k, n]) => (k === 'DELAYED' ? a : a + n), 0) }),
    }),
  });

const CreateWorkQueueInput = builder.inputType('CreateWorkQueueInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    teamId: t.string({ description: 'Queues with the same teamId form a work-stealing group.' }),
    visibilityTimeoutSeconds: t.int({ description: 'Lease length for dequeued tasks (default 300).' }),
    maxAttempts: t.int({ description: 'Attempts before a task whose lease keeps expiring fails (default 3).' }),
    retryBackoff: t.field({ type: RetryBackoffInput, description: 'Delay before retries (default 10 s × 2 up to 3600 s, jitter 0.2).' }),
  }),
});

builder.queryFields((t) => ({
  workQueues: t.connection(
    {
      type: WorkQueue,
      description: "The caller's work queues, newest first.",
      args: { teamId: t.arg.string({ description: 'Only queues of this group.' }) },
      validate: z.looseObject({ teamId: queueInputSchema.shape.teamId }),
      resolve: async (_parent, args, ctx, info) => {
        const where = { ownerId: ctx.ownerId, deletedAt: null, ...(args.teamId ? { stealGroup: args.teamId } : {}) };
        const plan = planPage(args, { ownerId: ctx.ownerId, list: 'workQueues' }, newestFirst);
        const rows = await ctx.db.prisma.workQueue.findMany({
          ...nodeQuery(ctx, info),
          where: { AND: [where, plan.query.where] },
          orderBy: plan.query.orderBy,
          take: plan.query.take,
        });
        return plan.connection(rows, () => ctx.db.prisma.workQueue.count({ where }));
      },
    },
    { fields: (c) => ({ totalCount: c.int({ resolve: totalCountOf }) }) },
  ),
  workQueue: t.field({
    type: WorkQueue,
    description: 'One of your queues; NOT_FOUND for a missing, deleted or foreign id.',
    args: { id: t.arg.id({ required: true }) },
    validate: z.object({ id: idSchema }),
    resolve: (_parent, args, ctx) => requireQueue(ctx.db, ctx.ownerId, args.id),
  }),
}));

const DeleteWorkQueuePayload = builder.objectRef<{ id: string; cancelledTasks: number }>('DeleteWorkQueuePayload').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    cancelledTasks: t.exposeInt('cancelledTasks', { description: 'Pending tasks cancelled by the deletion.' }),
  }),
});

builder.mutationFields((t) => ({
  createWorkQueue: t.field({
    type: WorkQueue,
    args: { input: t.arg({ type: CreateWorkQueueInput, required: true }) },
    resolve: (_parent, args, ctx) => createWorkQueue(ctx.db, ctx.ownerId, args.input),
  }),
  deleteWorkQueue: t.field({
    type: DeleteWorkQueuePayload,
    description: 'Cancels the pending tasks and removes the queue; later calls on it answer NOT_FOUND.',
    args: { id: t.arg.id({ required: true }) },
    validate: z.object({ id: idSchema }),
    resolve: (_parent, args, ctx) => deleteWorkQueue(ctx.db, ctx.ownerId, args.id),
  }),
}));
