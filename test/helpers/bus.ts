import type { Subscription } from '../../src/events/bus.js';

/** The next item of a bus subscription that matches, or a failure after `ms` (a bound, not a sleep). */
export async function nextMatching<T>(sub: Subscription<T>, match: (item: T) => boolean = () => true, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no matching event within ${ms} ms`)), Math.max(end - Date.now(), 0))));
    try {
      const result = await Promise.race([sub.next(), timeout]);
      if (result.done) throw new Error('subscription ended');
      if (match(result.value)) return result.value;
    } finally {
      clearTimeout(timer);
    }
  }
}
