import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.js';
import { claimTask } from './sql/claimTask.js';
import { stealTask } from './sql/stealTask.js';
import type { TaskRow } from './sql/taskColumns.js';
import { requireQueue } from './workQueues.js';

/**
 * Assigns the queue's next task to the agent under a fresh lease, or returns null when nothing
 * is claimable. The lease token in the result lets complete/fail/heartbeat prove they still hold it.
 */
export async function dequeueTask(db: Db, ownerId: string, queueId: string, agentId: string): Promise<TaskRow | null> {
  const task = await claimTask(db, { ownerId, queueId, agentId, leaseToken: randomUUID() });
  if (!task) await requireQueue(db, ownerId, queueId); // NOT_FOUND rather than "empty"
  return task;
}

/** An idle agent of `queueId` takes work from the busiest queue of the same group, or null. */
export async function stealTaskFor(db: Db, ownerId: string, queueId: string, agentId: string): Promise<TaskRow | null> {
  await requireQueue(db, ownerId, queueId);
  return stealTask(db, { ownerId, thiefQueueId: queueId, agentId, leaseToken: randomUUID() });
}
