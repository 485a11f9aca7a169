import { statement } from '../../db/statement.js';

/**
 * FIRST dispatches decided in the last minutes: their tasks still live are cancelled. The
 * completing task's trigger cancels its siblings at once but skips any row locked at that instant
 * (a claim or a finish in flight), so two members completing together never deadlock; this sweep
 * catches what it skipped. Driven from the few recently decided dispatches (partial index).
 */
export const cancelDispatchLosers = statement<{ limit: number }>(
  'queues_cancel_dispatch_losers',
  `WITH due AS (
     SELECT t.id FROM dispatches d
     JOIN tasks t ON t.dispatch_id = d.id AND t.status IN ('BLOCKED', 'PENDING', 'ASSIGNED', 'INPUT_REQUIRED')
     WHERE d.decided_at > now() - interval '10 minutes' AND d.completion = 'FIRST'
     LIMIT $1
     FOR UPDATE OF t SKIP LOCKED
   )
   UPDATE tasks t SET status = 'CANCELLED', error = 'dispatch completed by another task' FROM due WHERE t.id = due.id`,
  (p) => [p.limit],
);
