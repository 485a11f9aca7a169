import { builder } from '../builder.js';

export const TaskEventTypeEnum = builder.enumType('TaskEventType', {
  values: ['CREATED', 'ASSIGNED', 'STOLEN', 'COMPLETED', 'FAILED', 'EXPIRED', 'CANCELLED', 'REQUEUED'] as const,
});

builder.prismaObject('TaskEvent', {
  description: 'One state change of a task, recorded in the same transaction as the change.',
  fields: (t) => ({
    id: t.id({ description: 'Increasing across all events: a replay cursor.', resolve: (e) => e.id.toString() }),
    taskId: t.exposeID('taskId'),
    queueId: t.exposeID('queueId'),
    type: t.expose('type', { type: TaskEventTypeEnum }),
    agentId: t.exposeString('agentId', { nullable: true }),
    detail: t.expose('detail', { type: 'JSON', nullable: true, description: 'attempt, error, stolenByQueueId as they apply.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});
