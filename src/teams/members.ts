import type { Tx } from '../db/tx.js';

// A member's state is derived, never stored: busy while it holds an ASSIGNED task in one of its
// team's queues (the queues whose teamId is the team's id), stopped once the team is stopped,
// idle otherwise. So no code path can leave a state out of date.

export type MemberState = 'IDLE' | 'BUSY' | 'STOPPED';

export interface MemberView {
  name: string;
  position: number;
  state: MemberState;
  currentTaskId: string | null;
  lastSeenAt: Date | null;
  joinedAt: Date;
}

/** The team's members (or only `member`), in order, with their derived states. */
export async function listMembers(db: Tx, teamId: string, member: string | null = null): Promise<MemberView[]> {
  const rows = await db.$queryRaw<(Omit<MemberView, 'state'> & { teamStopped: boolean })[]>`
    SELECT m.name, m.position, m.last_seen_at AS "lastSeenAt", m.joined_at AS "joinedAt",
           (t.status = 'STOPPED') AS "teamStopped",
           (SELECT k.id FROM tasks k
            JOIN work_queues q ON q.id = k.queue_id AND q.team_id = t.id AND q.owner_id = t.owner_id
            WHERE k.status = 'ASSIGNED' AND k.assigned_agent_id = m.name
            ORDER BY k.assigned_at LIMIT 1) AS "currentTaskId"
    FROM team_members m
    JOIN teams t ON t.id = m.team_id
    WHERE m.team_id = ${teamId} AND (${member}::text IS NULL OR m.name = ${member}::text)
    ORDER BY m.position`;
  return rows.map(({ teamStopped, ...m }) => ({
    ...m,
    state: teamStopped ? 'STOPPED' : m.currentTaskId ? 'BUSY' : 'IDLE',
  }));
}

/**
 * Marks the member seen now and holds its row lock until the transaction ends, so one member's
 * concurrent dequeues are taken one at a time (a member never ends up holding two tasks).
 */
export async function lockMember(tx: Tx, teamId: string, member: string): Promise<void> {
  await tx.$executeRaw`UPDATE team_members SET last_seen_at = now() WHERE team_id = ${teamId} AND name = ${member}`;
}
