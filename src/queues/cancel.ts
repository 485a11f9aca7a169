import type { Db } from '../db/client.js';
import { DomainError } from '../errors.js';
import { parseInput } from '../validation.js';
import { cancelTask as cancelStatement } from './sql/cancelTask.js';
import type { TaskRow } from './sql/taskColumns.js';
import { cancelSchema, type CancelInput } from './validation.js';

const DEFAULT_REASON = 'cancelled by its owner';

/**
 * Cancels a task that has not finished (pending, or held by an agent) with a reason. The holder
 * learns it at once from the CANCELLED task event; its later complete, fail or heartbeat answers
 * CONFLICT. A finished task answers CONFLICT and stays as it is.
 */
export async function cancelTask(db: Db, ownerId: string, input: CancelInput): Promise<TaskRow> {
  const { id, reason } = parseInput(cancelSchema, input);
  const row = (await cancelStatement.row(db.pool, { ownerId, id, reason: reason ?? DEFAULT_REASON }))!;
  if (row.id != null) {
    const { _ord, _itemId, _found, _status, _error, _leaseMatches, _agentMatches, ...task } = row;
    return task as TaskRow;
  }
  if (!row._found) throw new DomainError('NOT_FOUND', `task ${id} not found`);
  throw new DomainError('CONFLICT', `task ${id} is ${row._status}; only a task that has not finished can be cancelled`);
}
