import { statement } from '../../db/statement.js';

/**
 * Undoes a claim nobody will act on (the long-polling client left while it ran): the task goes
 * back to PENDING without the attempt counting, if it is still under that very lease.
 */
export const releaseTask = statement<{ id: string; leaseToken: string }>(
  'queues_release_task',
  `UPDATE tasks SET status = 'PENDING', attempts = attempts - 1
   WHERE id = $1 AND status = 'ASSIGNED' AND lease_token = $2`,
  (p) => [p.id, p.leaseToken],
);
