import { statement } from '../../db/statement.js';

/**
 * Inside a member's claim transaction: marks the member seen and holds its row lock until
 * commit, so one member's concurrent claims run one at a time (a member never holds two tasks),
 * and share-locks its team, so a concurrent stop waits for the claim or the claim sees the stop.
 * Answers the team's status, or nothing when the member does not exist.
 */
export const lockMember = statement<{ teamId: string; member: string }, { status: string }>(
  'queues_lock_member',
  `WITH member AS (
     UPDATE team_members SET last_seen_at = now() WHERE team_id = $1 AND name = $2 RETURNING team_id
   ),
   -- The team after the member (it reads the member's row): locks are always taken member first,
   -- team second, as a finish does (it marks holders seen before its budget step pauses a team).
   team AS (SELECT id, status::text AS status FROM teams WHERE id = (SELECT team_id FROM member) FOR SHARE)
   SELECT team.status FROM team JOIN member ON member.team_id = team.id`,
  (p) => [p.teamId, p.member],
);
