import type { ExecutionResult } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { closable } from '../events/closable.js';
import { timerAt } from '../timers.js';
import type { Context } from './context.js';

/**
 * Subscriptions over HTTP (SSE) end when the token that opened them expires, with a final
 * UNAUTHENTICATED error; websockets get the same by the socket closing with 4401.
 */
export const useTokenExpiry: Plugin<Context> = {
  onSubscribe: ({ args }) => ({
    onSubscribeResult: ({ result, setResult }) => {
      const expiresAt = (args.contextValue as Context).tokenExpiresAt;
      if (!expiresAt || !(Symbol.asyncIterator in result)) return;
      const stream = (result as AsyncIterable<ExecutionResult>)[Symbol.asyncIterator]();
      setResult(closable(endAt(stream, expiresAt), async () => stream.return?.()));
    },
  }),
};

async function* endAt(iterator: AsyncIterator<ExecutionResult>, expiresAt: Date): AsyncGenerator<ExecutionResult> {
  let timer: { clear(): void } | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = timerAt(expiresAt, () => resolve('expired'));
  });
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), expired]);
      if (next === 'expired') {
        yield { errors: [createGraphQLError('Authentication expired: the token is no longer valid', { extensions: { code: 'UNAUTHENTICATED' } })] };
        return;
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    timer?.clear();
    await iterator.return?.();
  }
}
