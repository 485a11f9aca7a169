// The ONE place the bench touches the domain layer's signatures (scenarios "sql" and "depth",
// and the database handle bench/serve.ts gives buildApp). When they change, change this file;
// nothing else in bench/ calls into src/queues or src/db/client.
import { createDb, type Db } from '../src/db/client.js';
import { dequeueTasks } from '../src/queues/dequeue.js';
import { completeTask } from '../src/queues/finish.js';

/** The server's database handle, and how to close it. */
export function openDb(databaseUrl: string): { db: Db; close(): Promise<void> } {
  const db = createDb(databaseUrl);
  return { db, close: () => db.close() };
}

export interface Claimed {
  id: string;
  leaseToken: string | null;
}

export interface Domain {
  dequeue(ownerId: string, queueId: string, agentId: string): Promise<Claimed | null>;
  complete(ownerId: string, task: Claimed, result: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

/** The domain service functions the GraphQL resolvers call, called directly. */
export function openDomain(databaseUrl: string): Domain {
  const { db, close } = openDb(databaseUrl);
  return {
    dequeue: async (ownerId, queueId, agentId) => (await dequeueTasks(db, ownerId, { queueId, agentId, limit: 1 }))[0] ?? null,
    complete: async (ownerId, task, result) => void (await completeTask(db, ownerId, { id: task.id, leaseToken: task.leaseToken, result })),
    close,
  };
}
