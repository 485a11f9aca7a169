import { statement } from '../../db/statement.js';

/**
 * The kill switch of a team: cancels the work its members hold (assigned tasks, and those waiting
 * for input, of every queue of the owner's team) with a reason; each holder learns it from the CANCELLED event, and
 * its later complete, fail or heartbeat answers CONFLICT.
 */
export const cancelRunning = statement<{ ownerId: string; teamId: string; reason: string }>(
  'queues_cancel_running',
  `UPDATE tasks t SET status = 'CANCELLED', error = $3
   FROM work_queues q JOIN teams tm ON tm.id = q.team_id
   WHERE q.team_id = $2 AND tm.owner_id = $1 AND t.queue_id = q.id AND t.status IN ('ASSIGNED', 'INPUT_REQUIRED')`,
  (p) => [p.ownerId, p.teamId, p.reason],
);
