import type { Tx } from '../../db/tx.js';

export interface QueueForAgent {
  /** The team the queue belongs to (its teamId names one of the owner's teams), if any. */
  teamId: string | null;
  /** Whether the agent is a member of that team: then the member rules apply. */
  isMember: boolean;
}

/** The owner's live queue with what the member rules need to know about the calling agent. */
export async function queueForAgent(db: Tx, ownerId: string, queueId: string, agentId: string): Promise<QueueForAgent | null> {
  const [row] = await db.$queryRaw<QueueForAgent[]>`
    SELECT t.id AS "teamId",
           (m.name IS NOT NULL) AS "isMember"
    FROM work_queues q
    LEFT JOIN teams t ON t.id = q.team_id AND t.owner_id = q.owner_id
    LEFT JOIN team_members m ON m.team_id = t.id AND m.name = ${agentId}
    WHERE q.id = ${queueId} AND q.owner_id = ${ownerId} AND q.deleted_at IS NULL`;
  return row ?? null;
}
