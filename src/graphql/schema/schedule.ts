import { z } from 'zod';
import { createSchedule, deleteSchedule, listSchedules } from '../../queues/schedules.js';
import { idSchema } from '../../queues/validation.js';
import { builder } from '../builder.js';
import { RetryBackoffInput } from './retryBackoff.js';
import { Task } from './task.js';

export const Schedule = builder.prismaNode('Schedule', {
  description: 'A recurring task: each cron tick enqueues the task template on the queue exactly once.',
  id: { field: 'id' },
  findUnique: (id, ctx) => ({ id, queue: { ownerId: ctx.ownerId } }),
  fields: (t) => ({
    queueId: t.exposeID('queueId'),
    queue: t.relation('queue'),
    cron: t.exposeString('cron', { description: '5 fields, or 6 with seconds first.' }),
    timezone: t.exposeString('timezone', { description: 'IANA time zone the cron fields are read in.' }),
    task: t.expose('task', { type: 'JSONObject', description: 'The template: name, priority, payload, maxAttempts, retryBackoff.' }),
    nextRunAt: t.expose('nextRunAt', { type: 'DateTime', description: 'The next tick to enqueue.' }),
    lastRunAt: t.expose('lastRunAt', { type: 'DateTime', nullable: true, description: 'The last tick enqueued (or skipped: queue closed).' }),
    lastTask: t.field({
      type: Task,
      nullable: true,
      resolve: (s, _args, ctx) => (s.lastTaskId ? ctx.loaders.task().load(s.lastTaskId) : null),
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

const ScheduleTaskInput = builder.inputType('ScheduleTaskInput', {
  description: 'What each tick enqueues (its payload also gets scheduleId and tick).',
  fields: (t) => ({
    name: t.string({ required: true }),
    priority: t.int(),
    payload: t.field({ type: 'JSONObject' }),
    maxAttempts: t.int(),
    retryBackoff: t.field({ type: RetryBackoffInput }),
  }),
});

const DeleteSchedulePayload = builder.objectRef<{ id: string }>('DeleteSchedulePayload').implement({
  fields: (t) => ({ id: t.exposeID('id') }),
});

builder.queryFields((t) => ({
  schedules: t.field({
    type: [Schedule],
    description: "The queue's schedules, oldest first. NOT_FOUND for a missing, deleted or foreign queue.",
    args: { queueId: t.arg.id({ required: true }) },
    validate: z.object({ queueId: idSchema }),
    resolve: (_parent, args, ctx) => listSchedules(ctx.db, ctx.ownerId, args.queueId),
  }),
}));

builder.mutationFields((t) => ({
  createSchedule: t.field({
    type: Schedule,
    description:
      'Enqueues `task` on the queue at each tick of `cron` in `timezone` (default UTC), exactly once per tick across server instances. Ticks missed while no server ran: only the last one is enqueued.',
    args: {
      queueId: t.arg.id({ required: true }),
      cron: t.arg.string({ required: true, description: 'e.g. "0 9 * * 1-5" (09:00 on weekdays) or "*/10 * * * * *" (every 10 s).' }),
      timezone: t.arg.string({ defaultValue: 'UTC' }),
      task: t.arg({ type: ScheduleTaskInput, required: true }),
    },
    resolve: async (_parent, args, ctx) => {
      const schedule = await createSchedule(ctx.db, ctx.ownerId, args);
      ctx.schedulesChanged?.();
      return schedule;
    },
  }),
  deleteSchedule: t.field({
    type: DeleteSchedulePayload,
    description: 'Stops a schedule; tasks it enqueued stay. NOT_FOUND for a missing or foreign id.',
    args: { id: t.arg.id({ required: true }) },
    validate: z.object({ id: idSchema }),
    resolve: (_parent, args, ctx) => deleteSchedule(ctx.db, ctx.ownerId, args.id),
  }),
}));
