// Waiting in tests: for a condition to hold, never for a fixed time. Each wait polls its condition
// and gives up after a bound with an error that says what it waited for.

export interface WaitOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Pause between two checks (default 20 ms). */
  intervalMs?: number;
  /** What is awaited, for the error message; a function is called when the wait fails. */
  what?: string | (() => string);
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_INTERVAL_MS = 20;
const awaited = (what: WaitOptions['what']) => (typeof what === 'function' ? what() : (what ?? 'condition'));

function pause(ms: number) {
  return new Promise<void>((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `check` (typically a few `expect`s) until it returns without throwing, and returns its
 * value. Once `timeoutMs` has passed it fails with the last failure, prefixed with what was
 * awaited, so the assertion's own diff is kept.
 */
export async function eventually<T>(check: () => T | Promise<T>, options: WaitOptions = {}): Promise<T> {
  const { timeoutMs = DEFAULT_TIMEOUT_MS, intervalMs = DEFAULT_INTERVAL_MS } = options;
  const deadline = Date.now() + timeoutMs;
  for (let checks = 1; ; checks++) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() >= deadline) {
        const prefix = `${awaited(options.what)} not reached within ${timeoutMs} ms (${checks} checks)`;
        if (err instanceof Error) {
          err.message = `${prefix}: ${err.message}`;
          throw err;
        }
        throw new Error(`${prefix}: ${String(err)}`);
      }
    }
    await pause(Math.min(intervalMs, Math.max(deadline - Date.now(), 0)));
  }
}

/**
 * Polls `predicate` until it returns a truthy value, and returns that value. Unlike `eventually`,
 * an exception from the predicate is not retried: it fails the wait at once.
 */
export async function waitFor<T>(predicate: () => T | Promise<T>, options: WaitOptions = {}): Promise<NonNullable<T>> {
  const { timeoutMs = DEFAULT_TIMEOUT_MS, intervalMs = DEFAULT_INTERVAL_MS } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value as NonNullable<T>;
    if (Date.now() >= deadline) throw new Error(`${awaited(options.what)} not reached within ${timeoutMs} ms`);
    await pause(Math.min(intervalMs, Math.max(deadline - Date.now(), 0)));
  }
}
