import type { Db } from '../db/client.js';
import { listMembers as listStatement, type MemberView } from './sql/listMembers.js';

export type { MemberState, MemberView } from './sql/listMembers.js';

/** The members of several teams in one statement, grouped by team, each in order. */
export async function membersOfTeams(db: Db, teamIds: readonly string[]): Promise<MemberView[][]> {
  const rows = await listStatement.rows(db.pool, { teamIds: [...teamIds] });
  const byTeam = new Map<string, MemberView[]>(teamIds.map((id) => [id, []]));
  for (const row of rows) byTeam.get(row.teamId)?.push(row);
  return teamIds.map((id) => byTeam.get(id)!);
}
