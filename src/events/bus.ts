import { createPubSub } from 'graphql-yoga';
import type { Message, TaskEvent, TeamEvent } from '../generated/prisma/client.js';
import { LocalEventTarget } from './localEventTarget.js';

export type TaskEventPayload = TaskEvent & { teamId: string | null };

/** What travels on each topic; the second element is the payload, the first the routing id. */
export type Topics = {
  /** Every event of a queue's tasks. */
  queueTasks: [queueId: string, event: TaskEventPayload];
  /** Every task event of the queues that belong to a team. */
  teamTasks: [teamId: string, event: TaskEventPayload];
  teamEvents: [teamId: string, event: TeamEvent];
  mailbox: [teamId: string, message: Message];
  /** A task became claimable in the queue (created or requeued): wakes long-polling dequeues. */
  work: [queueId: string, taskId: string];
};

export type EventBus = ReturnType<typeof createEventBus>;

export function createEventBus() {
  const target = new LocalEventTarget();
  const pubsub = createPubSub<Topics>({ eventTarget: target as never });
  // Yoga names the event type `${topic}:${id}`.
  const hasListeners = (topic: keyof Topics, id: string) => target.hasListeners(`${topic}:${id}`);
  return { pubsub, hasListeners };
}
