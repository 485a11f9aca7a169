import { statement } from '../../db/statement.js';
import { taskColumns, type TaskRow } from './taskColumns.js';

export interface NewTask {
  id: string;
  name: string;
  priority: number;
  payload: unknown;
  deadline: Date | null;
  idempotencyKey: string | null;
  /** Null: the queue's default. */
  maxAttempts: number | null;
}

export type InsertRow = Partial<TaskRow> & { _queueFound: boolean; _closedReason: string | null; _inserted: boolean | null };

/**
 * Enqueue in one statement: checks the owner's queue is open (share-locking it and its team, so a
 * concurrent delete or stop waits for this insert and then cancels what it added, or this insert
 * sees it), inserts the tasks, and answers the earlier tasks of repeated idempotency keys. A
 * deadline already past creates the task EXPIRED. One row per task (or one with a null id when
 * nothing was inserted), each with the queue's outcome.
 */
export const insertTasks = statement<{ ownerId: string; queueId: string; tasks: NewTask[] }, InsertRow>(
  'queues_insert_tasks',
  `WITH queue AS (
     SELECT q.id, q.team_id, q.max_attempts, q.deleted_at FROM work_queues q
     WHERE q.id = $2 AND q.owner_id = $1
     FOR SHARE
   ),
   team AS (
     SELECT tm.status FROM teams tm WHERE tm.id = (SELECT team_id FROM queue) FOR SHARE
   ),
   open AS (
     SELECT queue.*, queue_closed_reason(queue.deleted_at, (SELECT status FROM team)) AS closed_reason FROM queue
   ),
   input AS (
     SELECT * FROM unnest($3::text[], $4::text[], $5::int[], $6::jsonb[], $7::timestamptz[], $8::text[], $9::int[])
       WITH ORDINALITY AS i(id, name, priority, payload, deadline, idempotency_key, max_attempts, ord)
   ),
   inserted AS (
     INSERT INTO tasks (id, queue_id, name, priority, payload, deadline, idempotency_key, max_attempts, status, error)
     SELECT input.id, open.id, input.name, input.priority, input.payload, input.deadline, input.idempotency_key,
            COALESCE(input.max_attempts, open.max_attempts),
            CASE WHEN input.deadline <= now() THEN 'EXPIRED'::"TaskStatus" ELSE 'PENDING'::"TaskStatus" END,
            CASE WHEN input.deadline <= now() THEN 'deadline passed' END
     FROM input, open
     WHERE open.deleted_at IS NULL AND open.closed_reason IS NULL
     ORDER BY input.ord
     ON CONFLICT (queue_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
     RETURNING ${taskColumns('tasks')}
   ),
   earlier AS (
     SELECT ${taskColumns('t')} FROM tasks t
     WHERE t.queue_id = $2 AND t.idempotency_key = ANY($8::text[]) AND EXISTS (SELECT 1 FROM open WHERE closed_reason IS NULL)
   ),
   found AS (
     SELECT inserted.*, true AS "_inserted" FROM inserted
     UNION ALL
     SELECT earlier.*, false FROM earlier
   )
   SELECT (open.id IS NOT NULL AND open.deleted_at IS NULL) AS "_queueFound", open.closed_reason AS "_closedReason",
          found.*
   FROM (SELECT 1) one
   LEFT JOIN open ON true
   LEFT JOIN found ON true`,
  (p) => [
    p.ownerId,
    p.queueId,
    p.tasks.map((t) => t.id),
    p.tasks.map((t) => t.name),
    p.tasks.map((t) => t.priority),
    p.tasks.map((t) => JSON.stringify(t.payload ?? {})),
    p.tasks.map((t) => t.deadline),
    p.tasks.map((t) => t.idempotencyKey),
    p.tasks.map((t) => t.maxAttempts),
  ],
);

/** Tasks of a queue by idempotency key (repeats inserted concurrently by another transaction). */
export const tasksByKey = statement<{ queueId: string; keys: string[] }, TaskRow>(
  'queues_tasks_by_key',
  `SELECT ${taskColumns('t')} FROM tasks t WHERE t.queue_id = $1 AND t.idempotency_key = ANY($2::text[])`,
  (p) => [p.queueId, p.keys],
);
