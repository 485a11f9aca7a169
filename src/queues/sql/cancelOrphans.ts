import { statement } from '../../db/statement.js';

/**
 * Pending tasks left in a queue closed in the last minutes (deleted, or its team stopped): work
 * that raced the close (an enqueue or a retry committing just after it) is cancelled too. Driven
 * from the few recently closed queues (partial indexes), never from the pending tasks, so it
 * stays cheap however deep the live queues are.
 */
export const cancelOrphans = statement<{ limit: number }>(
  'queues_cancel_orphans',
  `WITH closed AS (
     SELECT id, 'queue deleted' AS reason FROM work_queues
     WHERE deleted_at > now() - interval '10 minutes'
     UNION ALL
     SELECT q.id, 'team stopped' FROM teams tm
     JOIN work_queues q ON q.team_id = tm.id
     WHERE tm.status = 'STOPPED' AND tm.stopped_at > now() - interval '10 minutes'
   ),
   due AS (
     SELECT t.id, closed.reason FROM closed
     JOIN tasks t ON t.queue_id = closed.id AND t.status = 'PENDING'
     LIMIT $1
     FOR UPDATE OF t SKIP LOCKED
   )
   UPDATE tasks t SET status = 'CANCELLED', error = due.reason FROM due WHERE t.id = due.id`,
  (p) => [p.limit],
);
