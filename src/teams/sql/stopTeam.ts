import { statement } from '../../db/statement.js';

/**
 * Marks the owner's active or paused team stopped; answers its queues. Its row lock orders the stop
 * against claims, dispatches and enqueues, which share-lock the team.
 */
export const markTeamStopped = statement<{ ownerId: string; teamId: string }, { queueIds: string[] }>(
  'teams_mark_stopped',
  `UPDATE teams t SET status = 'STOPPED', stopped_at = now(), paused_at = NULL
   WHERE t.id = $2 AND t.owner_id = $1 AND t.status <> 'STOPPED'
   RETURNING ARRAY(SELECT q.id FROM work_queues q WHERE q.team_id = t.id) AS "queueIds"`,
  (p) => [p.ownerId, p.teamId],
);

/** The last event of a team: streams end with it. */
export const recordTeamStopped = statement<{ teamId: string }>(
  'teams_record_stopped',
  `INSERT INTO team_events (team_id, type) VALUES ($1, 'TEAM_STOPPED')`,
  (p) => [p.teamId],
);
