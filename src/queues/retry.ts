import type { Db } from '../db/client.js';
import { conflict, notFound } from '../errors.js';
import { parseInput } from '../validation.js';
import { REDRIVABLE, retryQueueTasks, retryTask as retryStatement } from './sql/retryTasks.js';
import type { TaskRow } from './sql/taskColumns.js';
import { retryQueueSchema, retryTaskSchema, type RetryQueueInput, type RetryTaskInput } from './validation.js';

/**
 * Redrives a finished task (a dead letter: FAILED, or CANCELLED, or EXPIRED) back to PENDING, due
 * at once. `resetAttempts` starts its attempts again from 0; otherwise it keeps them and gets one
 * more. Its last error stays readable, and its history records the RETRIED event.
 */
export async function retryTask(db: Db, ownerId: string, input: RetryTaskInput): Promise<TaskRow> {
  const { id, resetAttempts } = parseInput(retryTaskSchema, input);
  const row = (await retryStatement.row(db.pool, { ownerId, id, resetAttempts: resetAttempts ?? false }))!;
  if (!row._found) throw notFound('task', id);
  if (row.id != null) {
    const { _found, _status, _closedReason, ...task } = row;
    return task as TaskRow;
  }
  if (row._closedReason) throw conflict(`task ${id} cannot be retried: ${row._closedReason}`);
  throw conflict(`task ${id} is ${row._status}; only a ${REDRIVABLE.join(', ')} task can be retried`);
}

/** Redrives every task of the queue with `status` (default FAILED); answers how many. */
export async function retryTasks(db: Db, ownerId: string, input: Omit<RetryQueueInput, 'status'> & { status?: string | null }): Promise<{ queueId: string; retried: number }> {
  const { queueId, status, resetAttempts } = parseInput(retryQueueSchema, input);
  const row = (await retryQueueTasks.row(db.pool, { ownerId, queueId, status: status ?? 'FAILED', resetAttempts: resetAttempts ?? false }))!;
  if (!row.found) throw notFound('work queue', queueId);
  if (row.closedReason) throw conflict(`work queue ${queueId} takes no new work: ${row.closedReason}`);
  return { queueId, retried: row.retried };
}
