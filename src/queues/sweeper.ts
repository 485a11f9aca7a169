import type { Db } from '../db/client.js';
import type { Logger } from '../logger.js';
import { expireDeadlines, expireLeases } from './sql/expireTasks.js';

const BATCH = 500;

/** One pass: deadlines first (an expired task must not be requeued), then leases. */
export async function sweepOnce(db: Db): Promise<{ expired: number; leases: number }> {
  let expired = 0;
  let leases = 0;
  // Drain in batches so a backlog clears in one pass without one huge transaction.
  for (let n = BATCH; n === BATCH; expired += n) n = await expireDeadlines(db, BATCH);
  for (let n = BATCH; n === BATCH; leases += n) n = await expireLeases(db, BATCH);
  return { expired, leases };
}

/**
 * Runs the sweep on a timer in every server instance; SKIP LOCKED in each statement makes
 * concurrent sweeps across instances safe. The next pass is scheduled when one ends, so slow
 * passes never pile up. Returns a stop function that waits for a running pass.
 */
export function startSweeper(db: Db, intervalMs: number, log: Logger): () => Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const pass = async () => {
    try {
      const { expired, leases } = await sweepOnce(db);
      if (expired || leases) log.debug({ expired, leases }, 'sweeper pass');
    } catch (err) {
      log.error({ err }, 'sweeper pass failed');
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
