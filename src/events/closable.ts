/**
 * An async generator suspended in an `await` (waiting for the next event) only handles return()
 * once that await settles, which for a quiet topic may be never: an unsubscribed client would
 * keep its listener. This wrapper runs `close` first (ending what the generator waits on), so
 * return() takes effect at once.
 */
export function closable<T>(generator: AsyncGenerator<T>, close: () => Promise<unknown>): AsyncGenerator<T> {
  const wrapped: AsyncGenerator<T> = {
    next: (...args) => generator.next(...args),
    async return(value) {
      await close();
      return generator.return(value as never);
    },
    throw: (error) => generator.throw(error),
    [Symbol.asyncIterator]: () => wrapped,
  };
  return wrapped;
}
