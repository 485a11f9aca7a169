import type { Db } from '../db/client.js';
import type { Queryable } from '../db/statement.js';
import { inTransaction } from '../db/transaction.js';
import { conflict, notFound } from '../errors.js';
import { observeClaimed } from '../metrics/tasks.js';
import { parseInput } from '../validation.js';
import { firstClaim, type FirstClaim } from './coalescedClaims.js';
import { claimResult, claimTasks, type ClaimRow } from './sql/claimTasks.js';
import { lockMember } from './sql/lockMember.js';
import { stealTask as stealStatement } from './sql/stealTask.js';
import { byHandOutOrder, type TaskRow } from './sql/taskColumns.js';
import { claimSchema, type ClaimInput } from './validation.js';

type Claim = (db: Queryable, asMember: boolean) => Promise<ClaimRow[]>;
/** The first claim, as no member: `claim` alone, or together with other agents (coalescedClaims). */
type First = () => Promise<FirstClaim>;

/**
 * Runs a claim for an agent. The common case (an agent that is no member of the queue's team) is
 * one statement. A member follows the team rules: the team must be active and the member idle,
 * checked under the member's row lock and a share lock on the team, so the checks and the claim
 * cannot interleave with another call of the same member or with a stop. A member holds one task
 * at a time. Nobody claims from a paused team (its budget ran out): the answer is no task.
 */
async function claimFor(db: Db, queueId: string, agentId: string, claim: Claim, first?: First): Promise<TaskRow[]> {
  const tasks = await claimAs(db, queueId, agentId, claim, first ?? (async () => claimResult(await claim(db.pool, false))));
  observeClaimed(tasks);
  return tasks;
}

async function claimAs(db: Db, queueId: string, agentId: string, claim: Claim, firstClaim: First): Promise<TaskRow[]> {
  const first = await firstClaim();
  if (!first.queueFound) throw notFound('work queue', queueId);
  if (!first.isMember) return first.tasks.sort(byHandOutOrder);
  const teamId = first.teamId!;
  return inTransaction(db, async (tx) => {
    const team = await lockMember.row(tx, { teamId, member: agentId });
    // A paused team (budget exhausted) hands out nothing; a long poll keeps waiting for its resume.
    if (team?.status === 'PAUSED') return [];
    if (team?.status !== 'ACTIVE') throw conflict(`team ${teamId} is stopped; ${agentId} takes no more work`);
    const mine = claimResult(await claim(tx, true));
    if (mine.heldTaskId) throw conflict(`${agentId} is busy with task ${mine.heldTaskId}; complete or fail it first`);
    return mine.tasks;
  });
}

/**
 * Assigns up to `limit` (default 1) of the queue's next tasks to the agent, each under a fresh
 * lease, highest priority first; none when nothing is claimable. The lease token in each lets
 * complete/fail/heartbeat prove they still hold it.
 */
export function dequeueTasks(db: Db, ownerId: string, input: Omit<ClaimInput, 'waitSeconds'>): Promise<TaskRow[]> {
  const { queueId, agentId, limit } = parseInput(claimSchema, input);
  return claimFor(
    db,
    queueId,
    agentId,
    (q, asMember) => claimTasks.rows(q, { ownerId, queueId, agentId, limit: asMember ? 1 : (limit ?? 1), asMember }),
    // One task: claimed together with the other agents asking this queue at the same moment.
    (limit ?? 1) === 1 ? () => firstClaim(db, { ownerId, queueId, agentId }) : undefined,
  );
}

/** A steal names the thief's queue and agent only. */
const stealSchema = claimSchema.pick({ queueId: true, agentId: true });

/** An idle agent of `queueId` takes work from the busiest queue of the same steal group, or null. */
export async function stealTask(db: Db, ownerId: string, input: Pick<ClaimInput, 'queueId' | 'agentId'>): Promise<TaskRow | null> {
  const { queueId, agentId } = parseInput(stealSchema, input);
  const [task] = await claimFor(db, queueId, agentId, (q, asMember) => stealStatement.rows(q, { ownerId, thiefQueueId: queueId, agentId, asMember }));
  return task ?? null;
}
