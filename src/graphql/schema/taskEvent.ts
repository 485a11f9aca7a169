import { z } from 'zod';
import { taskEventStream } from '../../streams/taskEvents.js';
import { idSchema } from '../../queues/validation.js';
import { builder } from '../builder.js';

export const TaskEventTypeEnum = builder.enumType('TaskEventType', {
  values: ['CREATED', 'ASSIGNED', 'STOLEN', 'COMPLETED', 'FAILED', 'EXPIRED', 'CANCELLED', 'REQUEUED', 'RETRIED', 'INPUT_REQUIRED', 'INPUT_PROVIDED', 'BLOCKED', 'UNBLOCKED'] as const,
});

export const TaskEvent = builder.prismaObject('TaskEvent', {
  description: 'One state change of a task, recorded in the same transaction as the change.',
  fields: (t) => ({
    id: t.id({ description: 'Increasing across all events: pass it as `after` to resume.', resolve: (e) => e.id.toString() }),
    taskId: t.exposeID('taskId'),
    queueId: t.exposeID('queueId'),
    teamId: t.exposeID('teamId', { nullable: true, description: "The team of the task's queue, when it belongs to one." }),
    type: t.expose('type', { type: TaskEventTypeEnum }),
    agentId: t.exposeString('agentId', { nullable: true }),
    detail: t.expose('detail', { type: 'JSON', nullable: true, description: 'attempt, error, stolenByQueueId, runAt (when a requeued task is due), exhausted, request (INPUT_REQUIRED), response (INPUT_PROVIDED), as they apply.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

/** Event ids are bigints; cursors travel as their decimal string. */
export const eventCursorSchema = z.string().regex(/^\d{1,19}$/, 'must be an event id');

builder.subscriptionFields((t) => ({
  taskEvents: t.field({
    type: TaskEvent,
    description:
      'Task events of one queue (queueId), of every queue of a team (teamId), or of all your queues (neither). With `after`, the events after that id are replayed first, then live ones follow with no gap or repeat.',
    args: {
      queueId: t.arg.id(),
      teamId: t.arg.id(),
      after: t.arg.id({ description: 'Replay the events after this event id before going live.' }),
    },
    validate: z
      .object({ queueId: idSchema.nullish(), teamId: idSchema.nullish(), after: eventCursorSchema.nullish() })
      .refine((a) => !a.queueId || !a.teamId, { message: 'pass at most one of queueId and teamId', path: ['queueId'] }),
    subscribe: (_root, args, ctx) =>
      taskEventStream(
        ctx,
        ctx.ownerId,
        args.queueId ? { queueId: args.queueId } : args.teamId ? { teamId: args.teamId } : 'all',
        args.after == null ? null : BigInt(args.after),
      ),
    resolve: (event) => event,
  }),
}));
