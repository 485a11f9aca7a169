import type { Logger } from '../logger.js';
import type { DatabaseHealth } from './health.js';

/** The reason of an outage in one line (an error's code and message, not its stack). */
const reasonOf = (err: unknown) => {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  return { code: typeof e?.code === 'string' ? e.code : undefined, reason: typeof e?.message === 'string' ? e.message : String(err) };
};

/** One warning when the database becomes unavailable, one line when it is back. */
export function logOutages(health: DatabaseHealth, log: Logger): () => void {
  return health.onChange((state, err) => {
    if (state === 'down') log.warn(reasonOf(err), 'database unavailable: answering 503 SERVICE_UNAVAILABLE until it is back');
    else log.info('database available again');
  });
}
