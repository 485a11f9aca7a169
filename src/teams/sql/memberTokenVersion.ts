import { statement } from '../../db/statement.js';

/** A member's current token version and its team's status; no row: no such member of the owner's team. */
export const memberTokenVersion = statement<{ ownerId: string; teamId: string; agent: string }, { version: number; teamStatus: string }>(
  'team_member_token_version',
  `SELECT m.token_version AS version, t.status AS "teamStatus"
   FROM team_members m JOIN teams t ON t.id = m.team_id
   WHERE t.owner_id = $1 AND m.team_id = $2 AND m.name = $3`,
  (p) => [p.ownerId, p.teamId, p.agent],
);
