import { statement } from '../../db/statement.js';

/**
 * Raises the member's token version and records AGENT_TOKENS_REVOKED in one statement: the event
 * row (which the tailer delivers to every instance) commits with the change. No row: no such member.
 */
export const revokeAgentTokens = statement<{ ownerId: string; teamId: string; agent: string }, { version: number }>(
  'team_member_revoke_tokens',
  `WITH bumped AS (
     UPDATE team_members m SET token_version = m.token_version + 1
     FROM teams t
     WHERE t.id = m.team_id AND t.owner_id = $1 AND m.team_id = $2 AND m.name = $3
     RETURNING m.team_id, m.name, m.token_version
   ),
   event AS (
     INSERT INTO team_events (team_id, type, agent, detail)
     SELECT team_id, 'AGENT_TOKENS_REVOKED', name, jsonb_build_object('version', token_version) FROM bumped
   )
   SELECT token_version AS version FROM bumped`,
  (p) => [p.ownerId, p.teamId, p.agent],
);
