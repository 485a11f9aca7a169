// The ONE place the bench calls the domain services directly (scenario "sql" and "depth").
// When their signatures change, change the calls below; nothing else in bench/ touches them.
import { createDb } from '../src/db/client.js';
import { dequeueTask } from '../src/queues/dequeue.js';
import { completeTask } from '../src/queues/finish.js';

export interface Claimed {
  id: string;
  leaseToken: string | null;
}

export interface Domain {
  dequeue(ownerId: string, queueId: string, agentId: string): Promise<Claimed | null>;
  complete(ownerId: string, task: Claimed, result: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export function openDomain(databaseUrl: string): Domain {
  const db = createDb(databaseUrl);
  return {
    dequeue: (ownerId, queueId, agentId) => dequeueTask(db, ownerId, queueId, agentId),
    complete: async (ownerId, task, result) => void (await completeTask(db, ownerId, task.id, result, { leaseToken: task.leaseToken })),
    close: () => db.$disconnect(),
  };
}
