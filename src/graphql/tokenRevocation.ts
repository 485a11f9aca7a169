import type { ExecutionResult } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { closable } from '../events/closable.js';
import type { AgentTokenGuard } from './agentTokenGuard.js';
import type { Context } from './context.js';

/**
 * Subscriptions opened with an agent token end, with a final UNAUTHENTICATED error, as soon as
 * that token is revoked (SSE and websocket alike; the websocket itself is closed with 4401 too).
 */
export const useTokenRevocation = (guard: AgentTokenGuard): Plugin<Context> => ({
  onSubscribe: ({ args }) => ({
    onSubscribeResult: ({ result, setResult }) => {
      const identity = (args.contextValue as Context).identity;
      if (!identity?.agent || !(Symbol.asyncIterator in result)) return;
      const stream = (result as AsyncIterable<ExecutionResult>)[Symbol.asyncIterator]();
      let unwatch = () => {};
      const revoked = new Promise<'revoked'>((resolve) => {
        unwatch = guard.watch(identity, () => resolve('revoked'));
      });
      setResult(closable(endWhenRevoked(stream, revoked, () => unwatch()), async () => stream.return?.()));
    },
  }),
});

async function* endWhenRevoked(iterator: AsyncIterator<ExecutionResult>, revoked: Promise<'revoked'>, unwatch: () => void): AsyncGenerator<ExecutionResult> {
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), revoked]);
      if (next === 'revoked') {
        yield { errors: [createGraphQLError('Authentication failed: agent token revoked', { extensions: { code: 'UNAUTHENTICATED' } })] };
        return;
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    unwatch();
    await iterator.return?.();
  }
}
