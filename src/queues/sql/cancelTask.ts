import { statement } from '../../db/statement.js';
import { currentOf, outcomeColumns, type ItemRow } from './finishOutcome.js';
import { taskColumns } from './taskColumns.js';

/**
 * Cancels one task of the owner that has not finished, whatever holds it, with a reason (kept as
 * its error and carried by the CANCELLED event, which tells the holder). The row lock orders it
 * against a concurrent complete, fail or claim: whichever commits first wins, and the other finds
 * the task in a state it no longer acts on. Answers like completeTasks for one item.
 */
export const cancelTask = statement<{ ownerId: string; id: string; reason: string }, ItemRow>(
  'queues_cancel_task',
  `WITH input AS (
     SELECT $2::text AS id, NULL::text AS lease_token, NULL::text AS agent_id, 1 AS ord
   ),
   done AS (
     UPDATE tasks t
     SET status = 'CANCELLED', error = $3
     FROM work_queues q
     WHERE t.id = $2
       AND q.id = t.queue_id AND q.owner_id = $1
       AND t.status IN ('BLOCKED', 'PENDING', 'ASSIGNED', 'INPUT_REQUIRED')
     RETURNING ${taskColumns('t')}
   )
   SELECT ${outcomeColumns('input')}, done.*
   FROM input
   LEFT JOIN done ON done.id = input.id
   ${currentOf('input', '$1')}`,
  (p) => [p.ownerId, p.id, p.reason],
);
