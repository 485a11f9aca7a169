import { randomUUID } from 'node:crypto';
import type { Db } from '../db/client.js';
import type { Tx } from '../db/tx.js';
import { conflict, notFound } from '../errors.js';
import { listMembers, lockMember } from '../teams/members.js';
import { claimTask } from './sql/claimTask.js';
import { queueForAgent } from './sql/queueForAgent.js';
import { stealTask } from './sql/stealTask.js';
import type { TaskRow } from './sql/taskColumns.js';

type Claim = (db: Tx, asMember: boolean) => Promise<TaskRow | null>;

/**
 * Runs a claim for `agentId` on the owner's queue. The common case (an agent that is no member
 * of the queue's team) is one statement. Otherwise the queue is looked at: missing is NOT_FOUND;
 * for a member the team rules apply first: the team must be active and the member idle, checked
 * under the member's row lock (and a share lock on the team) so the checks and the claim cannot
 * interleave with another call of the same member or with a stop.
 */
async function claimFor(db: Db, ownerId: string, queueId: string, agentId: string, claim: Claim): Promise<TaskRow | null> {
  const task = await claim(db, false);
  if (task) return task;
  const queue = await queueForAgent(db, ownerId, queueId, agentId);
  if (!queue) throw notFound('work queue', queueId);
  if (!queue.isMember) return null;
  const teamId = queue.teamId!;
  return db.$transaction(async (tx) => {
    await lockMember(tx, teamId, agentId);
    // Share-locked: a concurrent stop waits for this claim (and then leaves it to finish), or
    // this claim sees the stop.
    const [team] = await tx.$queryRaw<{ status: string }[]>`SELECT status::text AS status FROM teams WHERE id = ${teamId} FOR SHARE`;
    if (team?.status !== 'ACTIVE') throw conflict(`team ${teamId} is stopped; ${agentId} takes no more work`);
    const held = (await listMembers(tx, teamId, agentId))[0]?.currentTaskId;
    if (held) throw conflict(`${agentId} is busy with task ${held}; complete or fail it first`);
    return claim(tx, true);
  });
}

/**
 * Assigns the queue's next task to the agent under a fresh lease, or returns null when nothing
 * is claimable. The lease token in the result lets complete/fail/heartbeat prove they still hold it.
 */
export function dequeueTask(db: Db, ownerId: string, queueId: string, agentId: string): Promise<TaskRow | null> {
  return claimFor(db, ownerId, queueId, agentId, (tx, asMember) =>
    claimTask(tx, { ownerId, queueId, agentId, leaseToken: randomUUID(), asMember }),
  );
}

/** An idle agent of `queueId` takes work from the busiest queue of the same group, or null. */
export function stealTaskFor(db: Db, ownerId: string, queueId: string, agentId: string): Promise<TaskRow | null> {
  return claimFor(db, ownerId, queueId, agentId, (tx, asMember) =>
    stealTask(tx, { ownerId, thiefQueueId: queueId, agentId, leaseToken: randomUUID(), asMember }),
  );
}
