import { statement } from '../../db/statement.js';

// The sweeper's statements each take a bounded batch of due rows with SKIP LOCKED, so several
// server instances can sweep at once without waiting on or double-processing each other, and a
// task being completed right now is simply left for the next sweep.

/** PENDING or ASSIGNED tasks whose deadline has passed become EXPIRED. */
export const expireDeadlines = statement<{ limit: number }>(
  'queues_expire_deadlines',
  `WITH due AS (
     SELECT id FROM tasks
     WHERE deadline <= now() AND status IN ('PENDING', 'ASSIGNED')
     ORDER BY deadline
     LIMIT $1
     FOR UPDATE SKIP LOCKED
   )
   UPDATE tasks t SET status = 'EXPIRED', error = 'deadline passed' FROM due WHERE t.id = due.id`,
  (p) => [p.limit],
);
