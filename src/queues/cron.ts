import { Cron } from 'croner';
import { badInput } from '../errors.js';

/** A parsed cron expression in its time zone (croner: 5 fields, or 6 with seconds first). */
export function parseCron(expression: string, timezone: string, field = 'cron'): Cron {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    throw badInput('timezone', `unknown time zone "${timezone}" (use an IANA name such as Europe/Paris)`);
  }
  let cron: Cron;
  try {
    cron = new Cron(expression, { timezone, paused: true });
  } catch (err) {
    throw badInput(field, `not a valid cron expression: ${(err as Error).message.replace(/^CronPattern: /, '')}`);
  }
  if (!cron.nextRun()) throw badInput(field, 'never fires again');
  return cron;
}

/** The first tick strictly after `after`, or null when the expression never fires again. */
export const nextTick = (cron: Cron, after: Date): Date | null => cron.nextRun(after);

/**
 * The latest tick at or before `now`, not before `due` (the earliest tick not yet enqueued, itself
 * at or before `now`). When servers were down for several ticks, only this last one is enqueued.
 */
export function lastTickBy(cron: Cron, due: Date, now: Date): Date {
  const [latest] = cron.previousRuns(1, new Date(now.getTime() + 1_000)).filter((t) => t <= now);
  return latest && latest > due ? latest : due;
}
