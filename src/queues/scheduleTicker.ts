import type { Db } from '../db/client.js';
import type { Logger } from '../logger.js';
import { timerAt } from '../timers.js';
import { runOneDueSchedule } from './schedules.js';
import { nextScheduleAt } from './sql/schedules.js';

/** A schedule created on another instance (or just now here) is seen within this long. */
const DEFAULT_LOOK_MS = 5_000;
/** Ticks enqueued per pass at most; a longer backlog continues right after. */
const PASS = 100;

/**
 * Enqueues the ticks of due schedules, in every server instance: each tick is taken under its
 * schedule's row lock (SKIP LOCKED) and keyed by schedule and tick, so it is enqueued exactly once
 * however many instances run. Between passes it sleeps until the next schedule is due (one
 * indexed lookup), at most `lookMs`. `changed` is told when a pass enqueued something.
 */
export function startScheduleTicker(db: Db, log: Logger, changed: () => void, lookMs = DEFAULT_LOOK_MS) {
  let timer: { clear(): void } | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const pass = async () => {
    let ticks = 0;
    try {
      while (ticks < PASS && !stopped && (await runOneDueSchedule(db, log))) ticks++;
    } catch (err) {
      log.error({ err }, 'schedule pass failed');
    }
    if (ticks) changed();
    if (stopped) return;
    let at = new Date(Date.now() + lookMs);
    try {
      const next = ticks === PASS ? new Date() : (await nextScheduleAt.row(db.pool, {}))?.at;
      if (next && next < at) at = next;
    } catch (err) {
      log.warn({ err }, 'next schedule lookup failed');
    }
    schedule(at);
  };
  const schedule = (at: Date) => {
    timer = timerAt(at, () => (running = pass()));
  };
  running = pass();
  return {
    async stop() {
      stopped = true;
      timer?.clear();
      await running;
    },
  };
}
