/**
 * A subscription stream with no gap and no duplicate at the seam between history and live:
 * the live subscription is registered first (buffering), then history after the client's cursor
 * is read from the database and emitted, then live events follow, minus any already emitted.
 * Keys already seen are remembered, so an event that committed late (its id lower than one
 * already delivered) is still delivered once.
 */
const MAX_REMEMBERED = 10_000;

export async function* replayThenLive<T>(options: {
  live: AsyncIterable<T>;
  /** Rows after the cursor, oldest first; called after the live subscription is in place. */
  replay: () => Promise<T[]>;
  key: (item: T) => string;
  /** Live items the subscriber should not see (e.g. another agent's direct message). */
  accept?: (item: T) => boolean;
}): AsyncGenerator<T> {
  const iterator = options.live[Symbol.asyncIterator]();
  // Starting the iterator registers its listener now; events arriving during the replay wait in it.
  let next = iterator.next();
  const seen = new Set<string>();
  try {
    for (const item of await options.replay()) {
      seen.add(options.key(item));
      yield item;
    }
    for (;;) {
      const result = await next;
      if (result.done) return;
      next = iterator.next();
      const item = result.value;
      const key = options.key(item);
      if (seen.has(key) || (options.accept && !options.accept(item))) continue;
      seen.add(key);
      // Late commits arrive within moments; the oldest keys can be forgotten.
      if (seen.size > MAX_REMEMBERED) seen.delete(seen.values().next().value!);
      yield item;
    }
  } finally {
    await iterator.return?.();
  }
}
