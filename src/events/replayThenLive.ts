import type { Subscription } from './bus.js';
import { closable } from './closable.js';

export const REPLAY_PAGE = 500;

/**
 * A subscription stream with no gap and no repeat at the seam between history and live. The live
 * subscription is registered first (buffering); at that moment the tailer has delivered its log
 * up to `upTo`, and everything after it will arrive live, in order. So history is the rows in
 * (after, upTo], read page by page, then live rows follow, minus any at or below what was
 * already emitted (a cursor from another instance may be ahead of this one's tailer).
 */
export function replayThenLive<T>(options: Parameters<typeof stream<T>>[0]): AsyncGenerator<T> {
  return closable(stream(options), () => options.live.return());
}

async function* stream<T>(options: {
  live: Subscription<T>;
  /** The client's cursor (or where the log stands, for a live-only subscription). */
  after: bigint;
  /** Where the tailer stood in the log when `live` was registered. */
  upTo: bigint;
  /** Up to REPLAY_PAGE rows after the cursor and at or below `upTo` in the log, oldest first. */
  page: (after: bigint, upTo: bigint) => Promise<T[]>;
  cursor: (item: T) => bigint;
  /** Live items the subscriber should not see (e.g. another member's direct message). */
  accept?: (item: T) => boolean;
}): AsyncGenerator<T> {
  const { live, cursor } = options;
  let last = options.after;
  try {
    for (;;) {
      const rows = await options.page(last, options.upTo);
      for (const row of rows) yield row;
      if (rows.length) last = cursor(rows.at(-1)!);
      if (rows.length < REPLAY_PAGE) break;
    }
    for (;;) {
      const result = await live.next();
      if (result.done) return;
      const item = result.value;
      if (cursor(item) <= last) continue;
      last = cursor(item);
      if (options.accept && !options.accept(item)) continue;
      yield item;
    }
  } finally {
    await live.return();
  }
}
