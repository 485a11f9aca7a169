import { statement } from '../../db/statement.js';
import { taskColumns, type TaskRow } from './taskColumns.js';

/**
 * Undoes a claim nobody will act on (the long-polling client left while it ran, or gave up on a
 * task handed to it): the task goes back to PENDING without the attempt counting, if it is still
 * under that very lease. Answers the task as it is now.
 */
export const releaseTask = statement<{ id: string; leaseToken: string }, TaskRow>(
  'queues_release_task',
  `UPDATE tasks t SET status = 'PENDING', attempts = attempts - 1
   WHERE id = $1 AND status = 'ASSIGNED' AND lease_token = $2
   RETURNING ${taskColumns('t')}`,
  (p) => [p.id, p.leaseToken],
);
