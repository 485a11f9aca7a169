import type { Db } from '../db/client.js';
import type { Statement } from '../db/statement.js';
import type { Logger } from '../logger.js';
import { cancelDispatchLosers } from './sql/cancelDispatchLosers.js';
import { cancelOrphans } from './sql/cancelOrphans.js';
import { expireDeadlines } from './sql/expireDeadlines.js';
import { expireLeases } from './sql/expireLeases.js';
import { expireRuntimes } from './sql/expireRuntimes.js';
import { refreshStatistics } from './sql/refreshStatistics.js';

const BATCH = 500;

/** Repeats a batch statement until a batch comes back short: a backlog clears in one pass. */
async function drain(db: Db, step: Statement<{ limit: number }, unknown>): Promise<number> {
  let total = 0;
  for (let n = BATCH; n === BATCH; total += n) n = await step.count(db.pool, { limit: BATCH });
  return total;
}

/**
 * One pass: deadlines first (an expired task must not be requeued), then runtimes (a background
 * task over its limit fails rather than being requeued), then leases, then pending work that
 * raced a queue deletion or a team stop, then live tasks of FIRST dispatches already decided.
 * Last, the tasks table's statistics when they fall far behind (see refreshStatistics).
 */
export async function sweepOnce(db: Db): Promise<{ expired: number; overRuntime: number; leases: number; orphans: number; losers: number }> {
  const expired = await drain(db, expireDeadlines);
  const overRuntime = await drain(db, expireRuntimes);
  const leases = await drain(db, expireLeases);
  const orphans = await drain(db, cancelOrphans);
  const losers = await drain(db, cancelDispatchLosers);
  await refreshStatistics.count(db.pool, {});
  return { expired, overRuntime, leases, orphans, losers };
}

/**
 * Runs the sweep on a timer in every server instance; SKIP LOCKED in each statement makes
 * concurrent sweeps across instances safe. The next pass is scheduled when one ends, so slow
 * passes never pile up. `changed` is told when a pass changed something (its events are then
 * delivered). Returns a stop function that waits for a running pass.
 */
export function startSweeper(db: Db, intervalMs: number, log: Logger, changed: () => void): () => Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const pass = async () => {
    try {
      const swept = await sweepOnce(db);
      if (Object.values(swept).some(Boolean)) {
        log.debug(swept, 'sweeper pass');
        changed();
      }
    } catch (err) {
      // A database outage is logged once by its health tracker, not every pass.
      if (!db.health.report(err)) log.error({ err }, 'sweeper pass failed');
    }
    if (!stopped) schedule();
  };
  const schedule = () => {
    timer = setTimeout(() => (running = pass()), intervalMs);
    timer.unref();
  };
  schedule();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
