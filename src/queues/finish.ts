import type { Db } from '../db/client.js';
import { conflict, notFound } from '../errors.js';
import { completeTask as completeSql, extendLease, failTask as failSql, type LeaseGuard } from './sql/finishTask.js';
import type { TaskRow } from './sql/taskColumns.js';

export interface LeaseArgs {
  /** The token dequeue returned; when given, a task re-leased to someone else is refused. */
  leaseToken?: string | null;
  /** When given, the task must be assigned to this agent. */
  agentId?: string | null;
}

const guardOf = (ownerId: string, taskId: string, args: LeaseArgs): LeaseGuard => ({
  ownerId,
  taskId,
  leaseToken: args.leaseToken ?? null,
  agentId: args.agentId ?? null,
});

/** Nothing matched the guarded UPDATE: say why, having changed nothing. */
async function explainMiss(db: Db, guard: LeaseGuard, action: string): Promise<never> {
  const task = await db.task.findFirst({
    where: { id: guard.taskId, queue: { ownerId: guard.ownerId } },
    select: { status: true, leaseToken: true, assignedAgentId: true },
  });
  if (!task) throw notFound('task', guard.taskId);
  if (task.status !== 'ASSIGNED') {
    throw conflict(`task ${guard.taskId} is ${task.status}; only an ASSIGNED task can be ${action}`);
  }
  if (guard.leaseToken !== null && task.leaseToken !== guard.leaseToken) {
    throw conflict(
      `task ${guard.taskId}: the lease token does not match its current lease (the lease expired and the task was handed out again, or the token is wrong)`,
    );
  }
  if (guard.agentId !== null && task.assignedAgentId !== guard.agentId) {
    throw conflict(`task ${guard.taskId} is assigned to another agent`);
  }
  throw conflict(`task ${guard.taskId} changed concurrently; it can no longer be ${action}`);
}

export async function completeTask(db: Db, ownerId: string, taskId: string, result: unknown, args: LeaseArgs = {}): Promise<TaskRow> {
  const guard = guardOf(ownerId, taskId, args);
  return (await completeSql(db, guard, result ?? null)) ?? explainMiss(db, guard, 'completed');
}

/** With `retry` and attempts left the task is requeued; otherwise it is FAILED for good. */
export async function failTask(
  db: Db,
  ownerId: string,
  taskId: string,
  error: string,
  args: LeaseArgs & { retry?: boolean | null } = {},
): Promise<TaskRow> {
  const guard = guardOf(ownerId, taskId, args);
  return (await failSql(db, guard, error, args.retry ?? false)) ?? explainMiss(db, guard, 'failed');
}

export async function heartbeatTask(
  db: Db,
  ownerId: string,
  taskId: string,
  args: LeaseArgs & { extendSeconds?: number | null } = {},
): Promise<TaskRow> {
  const guard = guardOf(ownerId, taskId, args);
  return (await extendLease(db, guard, args.extendSeconds ?? null)) ?? explainMiss(db, guard, 'extended');
}
