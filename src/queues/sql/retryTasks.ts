import { statement } from '../../db/statement.js';
import { taskColumns, type TaskRow } from './taskColumns.js';

/** The finished statuses a redrive takes a task back from. */
export const REDRIVABLE = ['FAILED', 'CANCELLED', 'EXPIRED'] as const;

// A redrive sends a finished task back to PENDING, due at once, keeping its last error (the
// RETRIED event marks the redrive). Its attempts restart from 0 with `resetAttempts`; otherwise
// it keeps them and gets one more than it used (attempts never exceed maxAttempts). An EXPIRED
// task loses its deadline, or it would expire again at once. Only in an open queue.
const redrive = (t: string, reset: string) => `
  status = 'PENDING', run_at = NULL,
  deadline = CASE WHEN ${t}.status = 'EXPIRED' THEN NULL ELSE ${t}.deadline END,
  attempts = CASE WHEN ${reset} OR ${t}.attempts >= 100 THEN 0 ELSE ${t}.attempts END,
  max_attempts = CASE WHEN ${reset} OR ${t}.attempts >= 100 THEN ${t}.max_attempts ELSE GREATEST(${t}.max_attempts, ${t}.attempts + 1) END`;

export type RetryRow = Partial<TaskRow> & { _found: boolean; _status: string | null; _closedReason: string | null };

/** Redrives one finished task of the owner; answers why not when it did not. */
export const retryTask = statement<{ ownerId: string; id: string; resetAttempts: boolean }, RetryRow>(
  'queues_retry_task',
  `WITH cur AS (
     SELECT t.id, t.status::text AS status, queue_closed_reason(q.deleted_at, tm.status) AS closed_reason
     FROM tasks t JOIN work_queues q ON q.id = t.queue_id AND q.owner_id = $1
     LEFT JOIN teams tm ON tm.id = q.team_id
     WHERE t.id = $2
   ),
   done AS (
     UPDATE tasks t SET ${redrive('t', '$3')}
     FROM cur
     WHERE t.id = cur.id AND cur.closed_reason IS NULL AND t.status IN (${REDRIVABLE.map((s) => `'${s}'`).join(', ')})
     RETURNING ${taskColumns('t')}
   )
   SELECT (cur.id IS NOT NULL) AS "_found", cur.status AS "_status", cur.closed_reason AS "_closedReason", done.*
   FROM (SELECT 1) one LEFT JOIN cur ON true LEFT JOIN done ON true`,
  (p) => [p.ownerId, p.id, p.resetAttempts],
);

/**
 * Redrives every task of the owner's open queue that has `status` (a finished one), in one
 * statement. Answers whether the queue was found, why it is closed, and how many were redriven.
 */
export const retryQueueTasks = statement<
  { ownerId: string; queueId: string; status: string; resetAttempts: boolean },
  { found: boolean; closedReason: string | null; retried: number }
>(
  'queues_retry_queue_tasks',
  `WITH queue AS (
     SELECT q.id, queue_closed_reason(q.deleted_at, tm.status) AS closed_reason
     FROM work_queues q LEFT JOIN teams tm ON tm.id = q.team_id
     WHERE q.id = $2 AND q.owner_id = $1 AND q.deleted_at IS NULL
   ),
   done AS (
     UPDATE tasks t SET ${redrive('t', '$4')}
     FROM queue
     WHERE t.queue_id = queue.id AND queue.closed_reason IS NULL AND t.status = $3::"TaskStatus"
     RETURNING t.id
   )
   SELECT (SELECT count(*) FROM queue) > 0 AS found, (SELECT closed_reason FROM queue) AS "closedReason",
          (SELECT count(*) FROM done)::int AS retried`,
  (p) => [p.ownerId, p.queueId, p.status, p.resetAttempts],
);
