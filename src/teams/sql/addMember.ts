import { statement } from '../../db/statement.js';
import type { Team } from '../../generated/prisma/client.js';
import { teamColumns } from './teamColumns.js';

/**
 * Adds the next member in one statement. The size grows with a guarded UPDATE (`size < max`),
 * which holds the team row lock: concurrent additions queue on it and never pass the maximum.
 * A paused team still grows. No row: the team is missing, stopped or full.
 */
export const addMember = statement<{ ownerId: string; teamId: string; maxSize: number }, Team>(
  'teams_add_member',
  `WITH grown AS (
     UPDATE teams SET size = size + 1
     WHERE id = $2 AND owner_id = $1 AND status <> 'STOPPED' AND size < $3
     RETURNING *
   ),
   member AS (
     INSERT INTO team_members (team_id, name, position) SELECT id, 'agent-' || size, size FROM grown
   ),
   event AS (
     INSERT INTO team_events (team_id, type, agent) SELECT id, 'MEMBER_ADDED', 'agent-' || size FROM grown
   )
   SELECT ${teamColumns('grown')} FROM grown`,
  (p) => [p.ownerId, p.teamId, p.maxSize],
);
