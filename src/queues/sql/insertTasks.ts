import { statement, variants } from '../../db/statement.js';
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
  /** Keys overriding the queue's retryBackoff; null: none. */
  retryBackoff: Record<string, number> | null;
  /** Not claimable before (runAt, or now + delaySeconds on the database clock); both null: at once. */
  runAt: Date | null;
  delaySeconds: number | null;
  /** Tasks of the owner (any queue) this one waits for; empty: none. */
  dependsOn: string[];
}

export type InsertRow = Partial<TaskRow> & {
  _queueFound: boolean;
  _closedReason: string | null;
  _inserted: boolean | null;
  /** Dependencies that are no task of the owner (then nothing was inserted). */
  _missingDeps: string[] | null;
};

type InsertParams = { ownerId: string; queueId: string; tasks: NewTask[]; assignTo?: string | null };

// The hand-off variant only (see insertTasks): the first task, due now, of a queue of no team (a
// team's rules are the claim's: membership, one task per member, budgets), when no claimable task
// comes before it in hand-out order (another instance's, whose wake-up has not arrived yet: the
// agent would have claimed that one) is created ASSIGNED to the agent $15 under a fresh lease.
// The queue's next claimable task is looked up as the claim does, in tasks_claimable_idx order (an
// EXISTS was planned as a sequential scan once most tasks were pending, and then read them all).
const handedStatus = `
                   WHEN input.ord = 1 AND open.team_id IS NULL AND input.run_at IS NULL AND input.delay_seconds IS NULL
                        AND COALESCE((
                          SELECT p.priority FROM tasks p
                          WHERE p.queue_id = open.id AND p.status = 'PENDING'
                            AND (p.deadline IS NULL OR p.deadline > now()) AND (p.run_at IS NULL OR p.run_at <= now())
                          ORDER BY p.priority DESC, p.seq
                          LIMIT 1
                        ), 0) < input.priority THEN 'ASSIGNED'::"TaskStatus"`;
const assignment = `,
            CASE WHEN s.status = 'ASSIGNED' THEN $15::text END,
            CASE WHEN s.status = 'ASSIGNED' THEN gen_random_uuid()::text END,
            CASE WHEN s.status = 'ASSIGNED' THEN now() + open.visibility_timeout_seconds * interval '1 second' END`;

// The status is computed once per row (OFFSET 0 keeps the subquery from being inlined into each
// column that reads it, with a copy of the hand-off's subplan in each).
const insertText = (handOff: boolean) => `WITH queue AS (
     SELECT q.id, q.team_id, q.max_attempts, q.visibility_timeout_seconds, q.deleted_at FROM work_queues q
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
     SELECT * FROM unnest($3::text[], $4::text[], $5::int[], $6::jsonb[], $7::timestamptz[], $8::text[], $9::int[], $10::jsonb[],
                          $11::timestamptz[], $12::int[])
       WITH ORDINALITY AS i(id, name, priority, payload, deadline, idempotency_key, max_attempts, retry_backoff, run_at, delay_seconds, ord)
   ),
   dep_in AS (
     SELECT * FROM unnest($13::int[], $14::text[]) AS d(ord, depends_on_id)
   ),
   dep AS (
     SELECT t.id, t.status FROM tasks t JOIN work_queues dq ON dq.id = t.queue_id AND dq.owner_id = $1
     WHERE t.id = ANY($14::text[])
     FOR SHARE OF t
   ),
   dep_missing AS (
     SELECT array_agg(DISTINCT dep_in.depends_on_id) AS ids FROM dep_in LEFT JOIN dep ON dep.id = dep_in.depends_on_id WHERE dep.id IS NULL
   ),
   dep_state AS (
     SELECT dep_in.ord, bool_and(dep.status = 'COMPLETED') AS done,
            (array_agg(dep.id || ' ended ' || dep.status::text ORDER BY dep.id)
               FILTER (WHERE dep.status IN ('FAILED', 'EXPIRED', 'CANCELLED')))[1] AS ended
     FROM dep_in JOIN dep ON dep.id = dep_in.depends_on_id
     GROUP BY dep_in.ord
   ),
   inserted AS (
     INSERT INTO tasks (id, queue_id, name, priority, payload, deadline, idempotency_key, max_attempts, retry_backoff, run_at, status, error${handOff ? ', assigned_agent_id, lease_token, lease_expires_at' : ''})
     SELECT input.id, open.id, input.name, input.priority, input.payload, input.deadline, input.idempotency_key,
            COALESCE(input.max_attempts, open.max_attempts), input.retry_backoff,
            COALESCE(input.run_at, now() + input.delay_seconds * interval '1 second'),
            s.status,
            CASE WHEN input.deadline <= now() THEN 'deadline passed'
                 WHEN ds.ended IS NOT NULL THEN 'dependency ' || ds.ended END${handOff ? assignment : ''}
     FROM input CROSS JOIN open LEFT JOIN dep_state ds ON ds.ord = input.ord
     CROSS JOIN LATERAL (
       SELECT CASE WHEN input.deadline <= now() THEN 'EXPIRED'::"TaskStatus"
                   WHEN ds.ended IS NOT NULL THEN 'CANCELLED'::"TaskStatus"
                   WHEN NOT ds.done THEN 'BLOCKED'::"TaskStatus"${handOff ? handedStatus : ''}
                   ELSE 'PENDING'::"TaskStatus" END AS status
       OFFSET 0
     ) s
     WHERE open.deleted_at IS NULL AND open.closed_reason IS NULL AND (SELECT ids FROM dep_missing) IS NULL
     ORDER BY input.ord
     ON CONFLICT (queue_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
     RETURNING ${taskColumns('tasks')}
   ),
   linked AS (
     INSERT INTO task_dependencies (task_id, depends_on_id)
     SELECT DISTINCT inserted.id, dep_in.depends_on_id
     FROM inserted JOIN input ON input.id = inserted.id JOIN dep_in ON dep_in.ord = input.ord
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
          (SELECT ids FROM dep_missing) AS "_missingDeps", found.*
   FROM (SELECT 1) one
   LEFT JOIN open ON true
   LEFT JOIN found ON true`;

const values = (p: InsertParams): unknown[] => [
  p.ownerId,
  p.queueId,
  p.tasks.map((t) => t.id),
  p.tasks.map((t) => t.name),
  p.tasks.map((t) => t.priority),
  p.tasks.map((t) => JSON.stringify(t.payload ?? {})),
  p.tasks.map((t) => t.deadline),
  p.tasks.map((t) => t.idempotencyKey),
  p.tasks.map((t) => t.maxAttempts),
  p.tasks.map((t) => (t.retryBackoff ? JSON.stringify(t.retryBackoff) : null)),
  p.tasks.map((t) => t.runAt),
  p.tasks.map((t) => t.delaySeconds),
  p.tasks.flatMap((t, i) => t.dependsOn.map(() => i + 1)),
  p.tasks.flatMap((t) => t.dependsOn),
];

const plain = statement<InsertParams, InsertRow>('queues_insert_tasks', insertText(false), values);
/**
 * Its own prepared statement: in one statement with the plain enqueue, PostgreSQL would plan the
 * hand-off's subquery into every enqueue's generic plan, find it dearer than a custom plan without
 * it, and plan each enqueue anew (about 1 ms each).
 */
const handOff = statement<InsertParams, InsertRow>('queues_insert_tasks_handed', insertText(true), (p) => [...values(p), p.assignTo]);

/**
 * Enqueue in one statement: checks the owner's queue is open (share-locking it and its team, so a
 * concurrent delete or stop waits for this insert and then cancels what it added, or this insert
 * sees it), inserts the tasks, and answers the earlier tasks of repeated idempotency keys. A
 * deadline already past creates the task EXPIRED. A task with dependencies is BLOCKED until they
 * all complete (PENDING at once when they already did; CANCELLED, naming it, when one already
 * failed, expired or was cancelled); the dependencies are share-locked until commit, so none can
 * finish unseen between this read and the dependency rows becoming visible to its trigger. With
 * `assignTo` (an agent whose long poll waits here, see handOff.ts) the first task is created
 * ASSIGNED to that agent under a fresh lease when it could be claimed at once. One
 * row per task (or one with a null id when nothing was inserted), each with the queue's outcome.
 */
export const insertTasks = variants(plain, (p: InsertParams) => (p.assignTo ? handOff : plain));

/** Tasks of a queue by idempotency key (repeats inserted concurrently by another transaction). */
export const tasksByKey = statement<{ queueId: string; keys: string[] }, TaskRow>(
  'queues_tasks_by_key',
  `SELECT ${taskColumns('t')} FROM tasks t WHERE t.queue_id = $1 AND t.idempotency_key = ANY($2::text[])`,
  (p) => [p.queueId, p.keys],
);
