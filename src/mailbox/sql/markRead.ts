import { statement } from '../../db/statement.js';

/**
 * Moves a member's read cursor forward to `upTo` (never back, never past the team's last
 * message) and marks it seen. No row: the team or the member is not the owner's.
 */
export const markRead = statement<{ ownerId: string; teamId: string; agent: string; upTo: number }, { readSeq: number }>(
  'mailbox_mark_read',
  `UPDATE team_members m
   SET read_seq = GREATEST(m.read_seq, LEAST($4::int, t.message_seq)), last_seen_at = now()
   FROM teams t
   WHERE t.id = m.team_id AND t.owner_id = $1 AND m.team_id = $2 AND m.name = $3
   RETURNING m.read_seq AS "readSeq"`,
  (p) => [p.ownerId, p.teamId, p.agent, p.upTo],
);
