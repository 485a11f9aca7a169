import { z } from 'zod';
import { replayThenLive } from '../../events/replayThenLive.js';
import { requireQueue } from '../../queues/workQueues.js';
import { idSchema } from '../../queues/validation.js';
import { requireTeam } from '../../teams/teams.js';
import { builder } from '../builder.js';

export const TaskEventTypeEnum = builder.enumType('TaskEventType', {
  values: ['CREATED', 'ASSIGNED', 'STOLEN', 'COMPLETED', 'FAILED', 'EXPIRED', 'CANCELLED', 'REQUEUED'] as const,
});

export const TaskEvent = builder.prismaObject('TaskEvent', {
  description: 'One state change of a task, recorded in the same transaction as the change.',
  fields: (t) => ({
    id: t.id({ description: 'Increasing across all events: pass it as `after` to resume.', resolve: (e) => e.id.toString() }),
    taskId: t.exposeID('taskId'),
    queueId: t.exposeID('queueId'),
    task: t.relation('task'),
    type: t.expose('type', { type: TaskEventTypeEnum }),
    agentId: t.exposeString('agentId', { nullable: true }),
    detail: t.expose('detail', { type: 'JSON', nullable: true, description: 'attempt, error, stolenByQueueId as they apply.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

/** Event ids are bigints; cursors travel as their decimal string. */
export const eventCursorSchema = z.string().regex(/^\d{1,19}$/, 'must be an event id');
export const REPLAY_LIMIT = 10_000;

builder.subscriptionFields((t) => ({
  taskEvents: t.field({
    type: TaskEvent,
    description:
      'Task events of one queue (queueId) or of every queue of a team (teamId). With `after`, the events after that id are replayed first, then live ones follow with no gap or repeat.',
    args: {
      queueId: t.arg.id(),
      teamId: t.arg.id(),
      after: t.arg.id({ description: 'Replay events after this event id (at most 10,000) before going live.' }),
    },
    validate: z
      .object({ queueId: idSchema.nullish(), teamId: idSchema.nullish(), after: eventCursorSchema.nullish() })
      .refine((a) => !a.queueId !== !a.teamId, { message: 'pass exactly one of queueId and teamId', path: ['queueId'] }),
    subscribe: async (_root, args, ctx) => {
      const after = args.after == null ? null : BigInt(args.after);
      if (args.queueId) {
        const queue = await requireQueue(ctx.db, ctx.ownerId, args.queueId);
        return replayThenLive({
          live: ctx.bus.pubsub.subscribe('queueTasks', queue.id),
          replay: () =>
            after === null
              ? Promise.resolve([])
              : ctx.db.taskEvent.findMany({ where: { queueId: queue.id, id: { gt: after } }, orderBy: { id: 'asc' }, take: REPLAY_LIMIT }),
          key: (e) => e.id.toString(),
        });
      }
      const team = await requireTeam(ctx.db, ctx.ownerId, args.teamId!);
      return replayThenLive({
        live: ctx.bus.pubsub.subscribe('teamTasks', team.id),
        replay: () =>
          after === null
            ? Promise.resolve([])
            : ctx.db.taskEvent.findMany({
                where: { queue: { teamId: team.id, ownerId: team.ownerId }, id: { gt: after } },
                orderBy: { id: 'asc' },
                take: REPLAY_LIMIT,
              }),
        key: (e) => e.id.toString(),
      });
    },
    resolve: (event) => event,
  }),
}));
