import { RESYNC, type Subscription } from './bus.js';
import { closable } from './closable.js';

const MAX_REMEMBERED = 10_000;
/**
 * After a resync, history is re-read from this far below the last emitted cursor: ids come from
 * a sequence, so an event with a lower id may have committed after a higher one was emitted.
 * Repeats are dropped by the remembered keys.
 */
const RESYNC_WINDOW = 1_000n;
export const REPLAY_PAGE = 500;

/**
 * A subscription stream with no gap and no duplicate at the seam between history and live: the
 * live subscription is registered first (buffering), then history after the cursor is read from
 * the database page by page and emitted, then live events follow, minus any already emitted.
 * When the bus signals a possible gap (its LISTEN connection dropped), history after the last
 * emitted cursor is read again. Keys already emitted are remembered, so an event that committed
 * late (its cursor lower than one already emitted) is still emitted once when it arrives live.
 */
export function replayThenLive<T>(options: Parameters<typeof stream<T>>[0]): AsyncGenerator<T> {
  return closable(stream(options), () => options.live.return());
}

async function* stream<T>(options: {
  live: Subscription<T>;
  /** Where to start: the client's cursor, or the stream's head for live-only subscriptions. */
  after: bigint;
  /** Up to REPLAY_PAGE rows with a cursor above `after`, oldest first. */
  page: (after: bigint) => Promise<T[]>;
  cursor: (item: T) => bigint;
  /** Live items the subscriber should not see (e.g. another member's direct message). */
  accept?: (item: T) => boolean;
}): AsyncGenerator<T> {
  const { live, cursor } = options;
  const seen = new Set<bigint>();
  let last = options.after;
  const fresh = (item: T) => {
    const key = cursor(item);
    if (seen.has(key)) return false;
    seen.add(key);
    // Late commits arrive within moments; the oldest keys can be forgotten.
    if (seen.size > MAX_REMEMBERED) seen.delete(seen.values().next().value!);
    if (key > last) last = key;
    return true;
  };
  async function* history(from: bigint) {
    let cursorAt = from;
    for (;;) {
      const rows = await options.page(cursorAt);
      for (const row of rows) if (fresh(row)) yield row;
      if (rows.length < REPLAY_PAGE) return;
      const end = cursor(rows.at(-1)!);
      if (end > last) last = end;
      cursorAt = end; // a page of repeats still moves on
    }
  }
  try {
    yield* history(last);
    for (;;) {
      const result = await live.next();
      if (result.done) return;
      if (result.value === RESYNC) {
        yield* history(last > RESYNC_WINDOW ? last - RESYNC_WINDOW : 0n);
        continue;
      }
      const item = result.value as T;
      if (options.accept && !options.accept(item)) continue;
      if (fresh(item)) yield item;
    }
  } finally {
    await live.return();
  }
}
