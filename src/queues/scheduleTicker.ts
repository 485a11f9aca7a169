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
 * indexed lookup), at most `lookMs` (schedules created on other instances are seen then);
 * `poke()` makes it look at once (a schedule was created here). `changed` is told when a pass
 * enqueued something.
 */
export function startScheduleTicker(db: Db, log: Logger, changed: () => void, lookMs = DEFAULT_LOOK_MS) {
  let timer: { clear(): void } | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let busy = false;
  let again = false;
  const pass = async () => {
    busy = true;
    again = false;
    let ticks = 0;
    try {
      while (ticks < PASS && !stopped && (await runOneDueSchedule(db, log))) ticks++;
    } catch (err) {
      log.error({ err }, 'schedule pass failed');
    }
    if (ticks) changed();
    let at = new Date(Date.now() + lookMs);
    if (!stopped) {
      try {
        const next = ticks === PASS ? new Date() : (await nextScheduleAt.row(db.pool, {}))?.at;
        if (next && next < at) at = next;
      } catch (err) {
        log.warn({ err }, 'next schedule lookup failed');
      }
    }
    busy = false;
    if (stopped) return;
    // A poke during this pass is not lost: look again at once.
    schedule(again ? new Date() : at);
  };
  const schedule = (at: Date) => {
    timer?.clear();
    timer = timerAt(at, () => (running = pass()));
  };
  running = pass();
  return {
    poke() {
      if (stopped) return;
      if (busy) again = true;
      else schedule(new Date());
    },
    async stop() {
      stopped = true;
      timer?.clear();
      await running;
    },
  };
}
