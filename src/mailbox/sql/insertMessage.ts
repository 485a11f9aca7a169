import { statement } from '../../db/statement.js';
import type { Message } from '../../generated/prisma/client.js';

/**
 * Sends a message in one statement. Its per-team sequence is taken by incrementing the team row,
 * whose lock is held until commit, so a team's messages commit in sequence order and a cursor
 * never skips one that commits later. Only a team of the owner that is not stopped (a paused
 * one still talks) takes messages, from a
 * member, to a member or (no `to`) the whole team. The outcome columns say what was refused.
 */
export const insertMessage = statement<
  { ownerId: string; teamId: string; id: string; from: string; to: string | null; body: string },
  Partial<Message> & { _teamStatus: string | null; _fromKnown: boolean; _toKnown: boolean }
>(
  'mailbox_insert_message',
  `WITH team AS (SELECT id, status::text AS status FROM teams WHERE id = $2 AND owner_id = $1),
   sender AS (SELECT 1 FROM team_members WHERE team_id = $2 AND name = $4),
   recipient AS (SELECT 1 FROM team_members WHERE team_id = $2 AND name = $5),
   seq AS (
     UPDATE teams SET message_seq = message_seq + 1
     WHERE id = (SELECT id FROM team) AND status <> 'STOPPED'
       AND EXISTS (SELECT 1 FROM sender) AND ($5::text IS NULL OR EXISTS (SELECT 1 FROM recipient))
     RETURNING message_seq
   ),
   seen AS (UPDATE team_members SET last_seen_at = now() WHERE team_id = $2 AND name = $4 AND EXISTS (SELECT 1 FROM seq)),
   message AS (
     INSERT INTO messages (id, team_id, seq, from_agent, to_agent, body)
     SELECT $3, $2, message_seq, $4, $5, $6 FROM seq
     RETURNING *
   )
   SELECT (SELECT status FROM team) AS "_teamStatus", EXISTS (SELECT 1 FROM sender) AS "_fromKnown",
          ($5::text IS NULL OR EXISTS (SELECT 1 FROM recipient)) AS "_toKnown",
          m.id, m.team_id AS "teamId", m.seq, m.log_id AS "logId", m.from_agent AS "fromAgent", m.to_agent AS "toAgent",
          m.body, m.created_at AS "createdAt"
   FROM (SELECT 1) one LEFT JOIN message m ON true`,
  (p) => [p.ownerId, p.teamId, p.id, p.from, p.to, p.body],
);
