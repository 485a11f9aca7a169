import type { Task, WorkQueue } from '../generated/prisma/client.js';
import type { Db } from '../db/client.js';
import { newId } from '../db/ids.js';
import { inTransaction } from '../db/transaction.js';
import { notFound } from '../errors.js';
import { parseInput } from '../validation.js';
import { cancelPending } from './sql/cancelPending.js';
import { createQueue } from './sql/createQueue.js';
import { markQueueDeleted } from './sql/deleteQueue.js';
import { queueInputSchema, type QueueInput } from './validation.js';

/**
 * Creates a queue. Its `teamId` is the steal group (any string); when it names one of the
 * owner's teams, the queue also belongs to that team.
 */
export async function createWorkQueue(db: Db, ownerId: string, input: QueueInput): Promise<WorkQueue> {
  const data = parseInput(queueInputSchema, input, 'input');
  const queue = await createQueue.row(db.pool, {
    id: newId('WorkQueue'),
    ownerId,
    name: data.name,
    stealGroup: data.teamId ?? null,
    visibilityTimeoutSeconds: data.visibilityTimeoutSeconds ?? null,
    maxAttempts: data.maxAttempts ?? null,
  });
  return queue!;
}

/** The owner's live queue, or NOT_FOUND (also for another owner's or a deleted queue). */
export async function requireQueue(db: Db, ownerId: string, queueId: string): Promise<WorkQueue> {
  const queue = await db.prisma.workQueue.findFirst({ where: { id: queueId, ownerId, deletedAt: null } });
  if (!queue) throw notFound('work queue', queueId);
  return queue;
}

/** The owner's task (its queue may since have been deleted), or NOT_FOUND. */
export async function requireTask(db: Db, ownerId: string, taskId: string): Promise<Task> {
  const task = await db.prisma.task.findFirst({ where: { id: taskId, queue: { ownerId } } });
  if (!task) throw notFound('task', taskId);
  return task;
}

/**
 * Cancels the queue's pending tasks and removes the queue; later calls on it answer NOT_FOUND.
 * The row is kept (soft delete) so its tasks' history stays readable. Two statements: the cancel
 * runs after the delete's row lock is held, so it also sees tasks of an enqueue that was running.
 */
export async function deleteWorkQueue(db: Db, ownerId: string, queueId: string): Promise<{ id: string; cancelledTasks: number }> {
  return inTransaction(db, async (tx) => {
    if (!(await markQueueDeleted.row(tx, { ownerId, queueId }))) throw notFound('work queue', queueId);
    const cancelledTasks = await cancelPending.count(tx, { queueIds: [queueId], reason: 'queue deleted' });
    return { id: queueId, cancelledTasks };
  });
}
