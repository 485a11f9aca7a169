import { statement } from '../../db/statement.js';

/**
 * ASSIGNED tasks whose lease ran out go back to PENDING for another agent, or to FAILED once
 * their attempts are used up, so a crashed agent never strands work. In a closed queue (deleted,
 * or its team stopped) they are cancelled instead: nobody would take them any more.
 */
export const expireLeases = statement<{ limit: number }>(
  'queues_expire_leases',
  `WITH due AS (
     SELECT t.id, (t.attempts >= t.max_attempts) AS exhausted, queue_closed_reason(q.deleted_at, tm.status) AS closed_reason
     FROM tasks t
     JOIN work_queues q ON q.id = t.queue_id
     LEFT JOIN teams tm ON tm.id = q.team_id
     WHERE t.status = 'ASSIGNED' AND t.lease_expires_at <= now()
     ORDER BY t.lease_expires_at
     LIMIT $1
     FOR UPDATE OF t SKIP LOCKED
   )
   UPDATE tasks t
   SET status = CASE WHEN due.closed_reason IS NOT NULL THEN 'CANCELLED'::"TaskStatus"
                     WHEN due.exhausted THEN 'FAILED'::"TaskStatus"
                     ELSE 'PENDING'::"TaskStatus" END,
       error = CASE WHEN due.closed_reason IS NOT NULL THEN due.closed_reason
                    WHEN due.exhausted THEN 'lease expired after ' || t.attempts || ' attempt(s)'
                    ELSE 'lease expired' END
   FROM due
   WHERE t.id = due.id`,
  (p) => [p.limit],
);
