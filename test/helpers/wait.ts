import type { Subscription } from '../../src/events/bus.js';

/** Waits until `check` holds, re-checking every 25 ms; fails after `ms` (a bound, not a sleep). */
export async function until(check: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} not reached within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The next item of a bus subscription that matches, or a failure after `ms`. */
export async function nextMatching<T>(sub: Subscription<T>, match: (item: T) => boolean = () => true, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const left = end - Date.now();
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no matching event within ${ms} ms`)), Math.max(left, 0))));
    try {
      const result = await Promise.race([sub.next(), timeout]);
      if (result.done) throw new Error('subscription ended');
      if (match(result.value)) return result.value;
    } finally {
      clearTimeout(timer);
    }
  }
}
