// What a dashboard shows of a queue beyond its counts: pending work by priority, how long the
// oldest task has waited, and recent throughput.
import { z } from 'zod';
import type { PriorityCount } from '../loaders.js';
import type { ThroughputRow } from '../../queues/sql/throughput.js';
import { intBetween } from '../../validation.js';
import { builder } from '../builder.js';
import { WorkQueue } from './workQueue.js';

const PendingByPriority = builder.objectRef<PriorityCount>('PendingByPriority').implement({
  description: 'Pending tasks of one priority.',
  fields: (t) => ({
    priority: t.exposeInt('priority'),
    count: t.exposeInt('count'),
    oldestCreatedAt: t.expose('oldestCreatedAt', { type: 'DateTime', description: 'When the oldest of them was enqueued.' }),
  }),
});

type Minute = ThroughputRow['minutes'][number];

const ThroughputMinute = builder.objectRef<Minute>('ThroughputMinute').implement({
  fields: (t) => ({
    minute: t.field({ type: 'DateTime', description: 'The start of the minute.', resolve: (m) => new Date(m.minute) }),
    completed: t.exposeInt('completed'),
    failed: t.exposeInt('failed'),
  }),
});

const Throughput = builder.objectRef<ThroughputRow>('Throughput').implement({
  description: 'Tasks finished per minute, counted from the task events.',
  fields: (t) => ({
    minutes: t.field({ type: [ThroughputMinute], description: 'Minutes with at least one finished task, oldest first.', resolve: (r) => r.minutes }),
    lastEventId: t.id({
      nullable: true,
      description: "The queue's latest event when counted: add live taskEvents with a greater id to keep the counts current.",
      resolve: (r) => r.lastEventId,
    }),
  }),
});

builder.objectFields(WorkQueue, (t) => ({
  pendingByPriority: t.field({
    type: [PendingByPriority],
    description: 'Pending tasks per priority, highest first (priorities without any are left out).',
    resolve: (queue, _args, ctx) => ctx.loaders.pendingByPriority().load(queue.id),
  }),
  oldestPendingAt: t.field({
    type: 'DateTime',
    nullable: true,
    description: 'When the oldest pending task was enqueued; null when none is pending.',
    resolve: async (queue, _args, ctx) => {
      const rows = await ctx.loaders.pendingByPriority().load(queue.id);
      return rows.length ? new Date(Math.min(...rows.map((r) => r.oldestCreatedAt.getTime()))) : null;
    },
  }),
  throughput: t.field({
    type: Throughput,
    description: 'Tasks completed and failed per minute over the last `minutes` (1–60, default 15), counted over the queue\u2019s latest 10,000 events.',
    args: { minutes: t.arg.int({ defaultValue: 15 }) },
    validate: z.object({ minutes: intBetween(1, 60) }),
    resolve: (queue, args, ctx) => ctx.loaders.throughput().load(`${args.minutes}:${queue.id}`),
  }),
}));
