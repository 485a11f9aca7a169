import type { Task, WorkQueue } from '../generated/prisma/client.js';
import type { Db } from '../db/client.js';
import { newId } from '../db/ids.js';
import type { Tx } from '../db/tx.js';
import { notFound } from '../errors.js';
import { cancelPendingTasks } from './sql/expireTasks.js';
import type { QueueInput } from './validation.js';

/** Records the owner on first write; every owned row references it. */
export async function ensureOwner(db: Tx, ownerId: string): Promise<void> {
  await db.$executeRaw`INSERT INTO owners (id) VALUES (${ownerId}) ON CONFLICT DO NOTHING`;
}

export async function createWorkQueue(db: Db, ownerId: string, data: QueueInput): Promise<WorkQueue> {
  return db.$transaction(async (tx) => {
    await ensureOwner(tx, ownerId);
    return tx.workQueue.create({
      data: {
        id: newId('WorkQueue'),
        ownerId,
        name: data.name,
        teamId: data.teamId ?? null,
        visibilityTimeoutSeconds: data.visibilityTimeoutSeconds ?? undefined,
        maxAttempts: data.maxAttempts ?? undefined,
      },
    });
  });
}

/** The owner's live queue, or NOT_FOUND (also for another owner's or a deleted queue). */
export async function requireQueue(db: Tx, ownerId: string, queueId: string): Promise<WorkQueue> {
  const queue = await db.workQueue.findFirst({ where: { id: queueId, ownerId, deletedAt: null } });
  if (!queue) throw notFound('work queue', queueId);
  return queue;
}

/** The owner's task (its queue may since have been deleted), or NOT_FOUND. */
export async function requireTask(db: Tx, ownerId: string, taskId: string): Promise<Task> {
  const task = await db.task.findFirst({ where: { id: taskId, queue: { ownerId } } });
  if (!task) throw notFound('task', taskId);
  return task;
}

/**
 * Cancels the queue's pending tasks and removes the queue; later calls on it answer NOT_FOUND.
 * The row is kept (soft delete) so its tasks' history stays readable.
 */
export async function deleteWorkQueue(db: Db, ownerId: string, queueId: string): Promise<{ id: string; cancelledTasks: number }> {
  return db.$transaction(async (tx) => {
    // The row lock orders this against concurrent enqueues (which take FOR SHARE on the queue).
    const [queue] = await tx.$queryRaw<{ id: string }[]>`
      UPDATE work_queues SET deleted_at = now()
      WHERE id = ${queueId} AND owner_id = ${ownerId} AND deleted_at IS NULL
      RETURNING id`;
    if (!queue) throw notFound('work queue', queueId);
    const cancelledTasks = await cancelPendingTasks(tx, queueId, 'queue deleted');
    return { id: queueId, cancelledTasks };
  });
}

/** Pending tasks of a queue: its depth. */
export function pendingCount(db: Tx, queueId: string): Promise<number> {
  return db.task.count({ where: { queueId, status: 'PENDING' } });
}

export type StatusCounts = Record<'PENDING' | 'ASSIGNED' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'EXPIRED', number>;

/** Task counts by status for a queue, in one grouped query. */
export async function countTasksByStatus(db: Tx, queueId: string): Promise<StatusCounts> {
  const counts: StatusCounts = { PENDING: 0, ASSIGNED: 0, COMPLETED: 0, FAILED: 0, CANCELLED: 0, EXPIRED: 0 };
  const groups = await db.task.groupBy({ by: ['status'], where: { queueId }, _count: { _all: true } });
  for (const g of groups) counts[g.status] = g._count._all;
  return counts;
}
