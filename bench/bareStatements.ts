// The two statements the bare graphql-yoga + pg server (bareYoga.ts) runs on the migrated `tasks`
// table: a copy of what our server runs for dequeueTask and completeTask (today:
// src/queues/sql/claimTask.ts and the completeTask of src/queues/sql/finishTask.ts, with
// `asMember` false and no agent check). Swap in the server's exact statements here when they
// change; `values` maps the named arguments to the positional parameters.

// The server's TASK_COLUMNS (src/queues/sql/taskColumns.ts): the whole task, as GraphQL may ask for any field.
const RETURNING = `
  t.id, t.seq, t.queue_id AS "queueId", t.name, t.priority, t.payload, t.status, t.deadline,
  t.idempotency_key AS "idempotencyKey", t.assigned_agent_id AS "assignedAgentId",
  t.lease_token AS "leaseToken", t.lease_expires_at AS "leaseExpiresAt", t.attempts,
  t.max_attempts AS "maxAttempts", t.result, t.error, t.stolen_by_queue_id AS "stolenByQueueId",
  t.stolen_at AS "stolenAt", t.reserved_for AS "reservedFor", t.dispatch_id AS "dispatchId",
  t.max_runtime_seconds AS "maxRuntimeSeconds", t.created_at AS "createdAt",
  t.assigned_at AS "assignedAt", t.completed_at AS "completedAt", t.failed_at AS "failedAt",
  t.finished_at AS "finishedAt"`;

export const claim = {
  name: 'bench_claim',
  text: `
    WITH queue AS (
      SELECT q.visibility_timeout_seconds FROM work_queues q
      WHERE q.id = $1 AND q.owner_id = $2 AND q.deleted_at IS NULL
        AND NOT EXISTS (
          SELECT 1 FROM teams t JOIN team_members m ON m.team_id = t.id AND m.name = $3
          WHERE t.id = q.team_id AND t.owner_id = q.owner_id)
    ),
    next AS (
      SELECT id FROM tasks
      WHERE queue_id = $1
        AND EXISTS (SELECT 1 FROM queue)
        AND status = 'PENDING'
        AND (deadline IS NULL OR deadline > now())
        AND (reserved_for IS NULL OR reserved_for = $3)
      ORDER BY priority DESC, seq
      LIMIT 1
      FOR UPDATE SKIP LOCKED
    )
    UPDATE tasks t
    SET status = 'ASSIGNED',
        assigned_agent_id = $3,
        assigned_at = now(),
        attempts = t.attempts + 1,
        lease_token = $4,
        lease_expires_at = now() + queue.visibility_timeout_seconds * interval '1 second'
    FROM next, queue
    WHERE t.id = next.id
    RETURNING ${RETURNING}`,
  values: (a: { ownerId: string; queueId: string; agentId: string; leaseToken: string }) => [a.queueId, a.ownerId, a.agentId, a.leaseToken],
};

export const complete = {
  name: 'bench_complete',
  text: `
    WITH t AS (
      UPDATE tasks t
      SET status = 'COMPLETED',
          result = $4::jsonb,
          completed_at = now(),
          finished_at = now(),
          lease_token = NULL,
          lease_expires_at = NULL
      FROM work_queues q
      WHERE t.id = $1
        AND t.status = 'ASSIGNED'
        AND q.id = t.queue_id
        AND q.owner_id = $2
        AND ($3::text IS NULL OR t.lease_token = $3::text)
      RETURNING t.*, t.assigned_agent_id AS holder
    ), seen AS (
      UPDATE team_members m SET last_seen_at = now()
      FROM t, work_queues q, teams tm
      WHERE q.id = t.queue_id AND tm.id = q.team_id AND tm.owner_id = q.owner_id
        AND m.team_id = tm.id AND m.name = t.holder
    )
    SELECT ${RETURNING} FROM t`,
  values: (a: { ownerId: string; taskId: string; leaseToken: string | null; result: unknown }) => [
    a.taskId,
    a.ownerId,
    a.leaseToken,
    JSON.stringify(a.result ?? null),
  ],
};
