import type { Db } from '../db/client.js';
import { coalesceBy } from '../db/coalesce.js';
import { claimForAgents, MAX_AGENTS_PER_CLAIM, type AgentClaimRow } from './sql/claimForAgents.js';
import { claimResult, claimTasks, type ClaimOutcome } from './sql/claimTasks.js';
import type { TaskRow } from './sql/taskColumns.js';

export type FirstClaim = ClaimOutcome & { tasks: TaskRow[] };

interface Ask {
  ownerId: string;
  queueId: string;
  agentId: string;
}

const alone = async (db: Db, ask: Ask): Promise<FirstClaim> =>
  claimResult(await claimTasks.rows(db.pool, { ...ask, limit: 1, asMember: false }));

/** The outcome of one agent's row of claimForAgents. */
function outcomeOf(row: AgentClaimRow): FirstClaim {
  const { _ord, ...claim } = row;
  return claimResult([claim]);
}

/**
 * A run of several agents: one statement for all of them. In a team's queue it claims nothing
 * (see claimForAgents): members go on to their own claim (dequeue.ts), other agents claim alone,
 * each answered for itself (one failing does not fail the others, whose tasks may be claimed).
 */
async function together(db: Db, asks: Ask[]): Promise<PromiseSettledResult<FirstClaim>[]> {
  if (asks.length === 1) return Promise.allSettled([alone(db, asks[0]!)]);
  const { ownerId, queueId } = asks[0]!;
  const rows = await claimForAgents.rows(db.pool, { ownerId, queueId, agentIds: asks.map((a) => a.agentId) });
  return Promise.allSettled(
    rows.map(async (row, i) => {
      const outcome = outcomeOf(row);
      return outcome.queueFound && outcome.teamId !== null && !outcome.isMember ? alone(db, asks[i]!) : outcome;
    }),
  );
}

const perDb = new WeakMap<Db, (ask: Ask) => Promise<PromiseSettledResult<FirstClaim>>>();

/**
 * The first claim of a dequeue of one task, for an agent that may or may not be a member of the
 * queue's team (see dequeue.ts). Agents of one queue asking while a claim of that queue is in
 * flight go together in the next one (coalesceBy: no timer, the same agent never twice in a run),
 * so 32 agents polling one queue cost a few statements instead of 32. A run that fails (the
 * database is down) fails all its calls; a call of its own fails alone.
 */
export function firstClaim(db: Db, ask: Ask): Promise<FirstClaim> {
  let claim = perDb.get(db);
  if (!claim) {
    claim = coalesceBy<Ask, PromiseSettledResult<FirstClaim>>({
      group: (a) => `${a.ownerId}\u0000${a.queueId}`,
      key: (a) => a.agentId,
      max: MAX_AGENTS_PER_CLAIM,
      run: (_group, asks) => together(db, asks),
    });
    perDb.set(db, claim);
  }
  return claim(ask).then((settled) => (settled.status === 'fulfilled' ? settled.value : Promise.reject(settled.reason)));
}
