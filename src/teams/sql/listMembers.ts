import { statement } from '../../db/statement.js';

export type MemberState = 'IDLE' | 'BUSY' | 'STOPPED';

export interface MemberView {
  teamId: string;
  name: string;
  position: number;
  state: MemberState;
  currentTaskId: string | null;
  lastSeenAt: Date | null;
  joinedAt: Date;
  readSeq: number;
}

/**
 * Members of several teams at once, in order, with their states from `team_member_states` (the
 * one definition of IDLE, BUSY and STOPPED, which the task trigger's events use too).
 */
export const listMembers = statement<{ teamIds: string[] }, MemberView>(
  'teams_list_members',
  `SELECT team_id AS "teamId", name, position, state, current_task_id AS "currentTaskId",
          last_seen_at AS "lastSeenAt", joined_at AS "joinedAt", read_seq AS "readSeq"
   FROM team_member_states WHERE team_id = ANY($1::text[]) ORDER BY team_id, position`,
  (p) => [p.teamIds],
);
