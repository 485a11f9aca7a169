import { statement } from '../../db/statement.js';

/** Pending tasks on all the queues of several teams at once (their queue depth). */
export const countTeamPending = statement<{ teamIds: string[] }, { teamId: string; count: number }>(
  'teams_count_pending',
  `SELECT q.team_id AS "teamId", count(*)::int AS count
   FROM work_queues q JOIN tasks t ON t.queue_id = q.id AND t.status = 'PENDING'
   WHERE q.team_id = ANY($1::text[])
   GROUP BY q.team_id`,
  (p) => [p.teamIds],
);
