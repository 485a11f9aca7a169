import { Prisma } from '../../generated/prisma/client.js';
import type { Tx } from '../../db/tx.js';
import { TASK_COLUMNS, type TaskRow } from './taskColumns.js';

/**
 * Complete, fail and heartbeat are one guarded UPDATE each: they only match an ASSIGNED task of
 * the owner, held under the given lease token when one is passed. No match means nothing changed;
 * the caller then explains why (missing, wrong state, stale lease). In the same statement, the
 * agent holding the task is marked seen when it is a member of the queue's team.
 */
/** Marks the task's holder (`t.holder`) seen, when it is a member of the queue's team. */
const markHolderSeen = Prisma.sql`
  UPDATE team_members m SET last_seen_at = now()
  FROM t, work_queues q, teams tm
  WHERE q.id = t.queue_id AND tm.id = q.team_id AND tm.owner_id = q.owner_id
    AND m.team_id = tm.id AND m.name = t.holder`;

/** The task, ASSIGNED, in a queue of the owner, under the given lease and agent when given. */
const held = (guard: LeaseGuard) => Prisma.sql`
  t.id = ${guard.taskId}
  AND t.status = 'ASSIGNED'
  AND q.id = t.queue_id
  AND q.owner_id = ${guard.ownerId}
  AND (${guard.leaseToken}::text IS NULL OR t.lease_token = ${guard.leaseToken}::text)
  AND (${guard.agentId}::text IS NULL OR t.assigned_agent_id = ${guard.agentId}::text)`;

export interface LeaseGuard {
  ownerId: string;
  taskId: string;
  /** When set, the task must still be under this lease (not expired and handed out again). */
  leaseToken: string | null;
  /** When set, the task must be assigned to this agent. */
  agentId: string | null;
}

export async function completeTask(db: Tx, guard: LeaseGuard, result: unknown): Promise<TaskRow | null> {
  const rows = await db.$queryRaw<TaskRow[]>`
    WITH t AS (
      UPDATE tasks t
      SET status = 'COMPLETED',
          result = ${JSON.stringify(result ?? null)}::jsonb,
          completed_at = now(),
          finished_at = now(),
          lease_token = NULL,
          lease_expires_at = NULL
      FROM work_queues q
      WHERE ${held(guard)}
      RETURNING t.*, t.assigned_agent_id AS holder
    ), seen AS (${markHolderSeen})
    SELECT ${TASK_COLUMNS} FROM t`;
  return rows[0] ?? null;
}

/**
 * Fail stores the error. With `retry` and attempts left the task goes back to PENDING for
 * another agent (the error stays as the last one seen); otherwise it is FAILED for good. A task
 * of a deleted queue or a stopped team is not retried: nobody would take it.
 */
export async function failTask(db: Tx, guard: LeaseGuard, error: string, retry: boolean): Promise<TaskRow | null> {
  const rows = await db.$queryRaw<TaskRow[]>`
    WITH open AS (
      SELECT (q.deleted_at IS NULL AND NOT EXISTS (
                SELECT 1 FROM teams tm WHERE tm.id = q.team_id AND tm.owner_id = q.owner_id AND tm.status = 'STOPPED')) AS ok,
             k.assigned_agent_id AS holder
      FROM tasks k JOIN work_queues q ON q.id = k.queue_id
      WHERE k.id = ${guard.taskId}
    ),
    t AS (
      UPDATE tasks t
      SET status = CASE WHEN ${retry} AND t.attempts < t.max_attempts AND (SELECT ok FROM open)
                        THEN 'PENDING'::"TaskStatus" ELSE 'FAILED'::"TaskStatus" END,
          error = ${error},
          assigned_agent_id = CASE WHEN ${retry} AND t.attempts < t.max_attempts AND (SELECT ok FROM open)
                                   THEN NULL ELSE t.assigned_agent_id END,
          failed_at = CASE WHEN ${retry} AND t.attempts < t.max_attempts AND (SELECT ok FROM open) THEN NULL ELSE now() END,
          finished_at = CASE WHEN ${retry} AND t.attempts < t.max_attempts AND (SELECT ok FROM open) THEN NULL ELSE now() END,
          lease_token = NULL,
          lease_expires_at = NULL
      FROM work_queues q
      WHERE ${held(guard)}
      RETURNING t.*, COALESCE(t.assigned_agent_id, (SELECT holder FROM open)) AS holder
    ), seen AS (${markHolderSeen})
    SELECT ${TASK_COLUMNS} FROM t`;
  return rows[0] ?? null;
}

/** Heartbeat: pushes the lease out by `seconds` (the queue's visibility timeout by default). */
export async function extendLease(db: Tx, guard: LeaseGuard, seconds: number | null): Promise<TaskRow | null> {
  const rows = await db.$queryRaw<TaskRow[]>`
    WITH t AS (
      UPDATE tasks t
      SET lease_expires_at = now() + COALESCE(${seconds}::int, q.visibility_timeout_seconds) * interval '1 second'
      FROM work_queues q
      WHERE ${held(guard)}
      RETURNING t.*, t.assigned_agent_id AS holder
    ), seen AS (${markHolderSeen})
    SELECT ${TASK_COLUMNS} FROM t`;
  return rows[0] ?? null;
}
