import type { Tx } from '../../db/tx.js';

// The sweeper's statements. Each takes a bounded batch of due rows with SKIP LOCKED, so several
// server instances can sweep at once without waiting on or double-processing each other, and a
// task being completed right now is simply left for the next sweep.

/** PENDING or ASSIGNED tasks whose deadline has passed become EXPIRED. */
export async function expireDeadlines(db: Tx, limit: number): Promise<number> {
  return db.$executeRaw`
    WITH due AS (
      SELECT id FROM tasks
      WHERE deadline <= now() AND status IN ('PENDING', 'ASSIGNED')
      ORDER BY deadline
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    UPDATE tasks t
    SET status = 'EXPIRED',
        error = 'deadline passed',
        finished_at = now(),
        lease_token = NULL,
        lease_expires_at = NULL
    FROM due
    WHERE t.id = due.id`;
}

/**
 * ASSIGNED tasks whose lease ran out go back to PENDING for another agent, or to FAILED once
 * their attempts are used up, so a crashed agent never strands work. In a deleted queue or a
 * stopped team they are cancelled instead: nobody would take them any more.
 */
export async function expireLeases(db: Tx, limit: number): Promise<number> {
  return db.$executeRaw`
    WITH due AS (
      SELECT t.id, (t.attempts >= t.max_attempts) AS exhausted,
             CASE WHEN q.deleted_at IS NOT NULL THEN 'queue deleted'
                  WHEN tm.status = 'STOPPED' THEN 'team stopped' END AS orphaned_by
      FROM tasks t
      JOIN work_queues q ON q.id = t.queue_id
      LEFT JOIN teams tm ON tm.id = q.team_id AND tm.owner_id = q.owner_id
      WHERE t.status = 'ASSIGNED' AND t.lease_expires_at <= now()
      ORDER BY t.lease_expires_at
      LIMIT ${limit}
      FOR UPDATE OF t SKIP LOCKED
    )
    UPDATE tasks t
    SET status = CASE WHEN due.orphaned_by IS NOT NULL THEN 'CANCELLED'::"TaskStatus"
                      WHEN due.exhausted THEN 'FAILED'::"TaskStatus"
                      ELSE 'PENDING'::"TaskStatus" END,
        error = CASE WHEN due.orphaned_by IS NOT NULL THEN due.orphaned_by
                     WHEN due.exhausted THEN 'lease expired after ' || t.attempts || ' attempt(s)'
                     ELSE 'lease expired' END,
        assigned_agent_id = CASE WHEN due.orphaned_by IS NOT NULL OR due.exhausted THEN t.assigned_agent_id END,
        failed_at = CASE WHEN due.exhausted AND due.orphaned_by IS NULL THEN now() END,
        finished_at = CASE WHEN due.orphaned_by IS NOT NULL OR due.exhausted THEN now() END,
        lease_token = NULL,
        lease_expires_at = NULL
    FROM due
    WHERE t.id = due.id`;
}

/** Background tasks assigned for longer than their max runtime fail, whatever their lease says. */
export async function expireRuntimes(db: Tx, limit: number): Promise<number> {
  return db.$executeRaw`
    WITH due AS (
      SELECT id FROM tasks
      WHERE status = 'ASSIGNED'
        AND max_runtime_seconds IS NOT NULL
        AND assigned_at + max_runtime_seconds * interval '1 second' <= now()
      ORDER BY assigned_at
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    )
    UPDATE tasks t
    SET status = 'FAILED',
        error = 'exceeded max runtime of ' || t.max_runtime_seconds || ' seconds',
        failed_at = now(),
        finished_at = now(),
        lease_token = NULL,
        lease_expires_at = NULL
    FROM due
    WHERE t.id = due.id`;
}

/**
 * Pending tasks left in a queue deleted, or of a team stopped, in the last minutes: work that
 * raced the deletion or stop (an enqueue or a retry committing just after it) is cancelled too.
 */
export async function cancelOrphans(db: Tx, limit: number): Promise<number> {
  // Driven from the few recently deleted queues and stopped teams (partial indexes), never
  // from the pending tasks, so it stays cheap however deep the live queues are.
  return db.$executeRaw`
    WITH orphaned AS (
      SELECT id, 'queue deleted' AS reason FROM work_queues
      WHERE deleted_at > now() - interval '10 minutes'
      UNION ALL
      SELECT q.id, 'team stopped' FROM teams tm
      JOIN work_queues q ON q.team_id = tm.id AND q.owner_id = tm.owner_id
      WHERE tm.status = 'STOPPED' AND tm.stopped_at > now() - interval '10 minutes'
    ),
    due AS (
      SELECT t.id, o.reason FROM orphaned o
      JOIN tasks t ON t.queue_id = o.id AND t.status = 'PENDING'
      LIMIT ${limit}
      FOR UPDATE OF t SKIP LOCKED
    )
    UPDATE tasks t
    SET status = 'CANCELLED', error = due.reason, finished_at = now()
    FROM due
    WHERE t.id = due.id`;
}

/** Cancels every pending task of a queue (the queue is being deleted). */
export async function cancelPendingTasks(db: Tx, queueId: string, reason: string): Promise<number> {
  return db.$executeRaw`
    UPDATE tasks
    SET status = 'CANCELLED', error = ${reason}, finished_at = now()
    WHERE queue_id = ${queueId} AND status = 'PENDING'`;
}

/** Cancels the pending tasks of every queue of a team (the team is being stopped). */
export async function cancelTeamPendingTasks(db: Tx, ownerId: string, teamId: string, reason: string): Promise<number> {
  return db.$executeRaw`
    UPDATE tasks t
    SET status = 'CANCELLED', error = ${reason}, finished_at = now()
    FROM work_queues q
    WHERE q.owner_id = ${ownerId} AND q.team_id = ${teamId} AND t.queue_id = q.id AND t.status = 'PENDING'`;
}
