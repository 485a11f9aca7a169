import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { RateLimitedError } from '../errors.js';
import { principalOf, type Principal } from '../limits/principal.js';
import type { RateLimiter } from '../limits/rateLimits.js';
import type { Context } from './context.js';
import { rateLimitedError } from './errors.js';

/**
 * Counts a request against its principal's rate, once it is authenticated and before anything
 * runs: RATE_LIMITED (over HTTP a 429 with Retry-After for the whole request) past it. Called by
 * the context factory, which every GraphQL request over HTTP, every REST call (the shim runs
 * one operation in-process) and every websocket operation goes through exactly once.
 */
export async function admitRequest(limiter: RateLimiter, principal: Principal): Promise<void> {
  try {
    await limiter.request(principal);
  } catch (err) {
    throw err instanceof RateLimitedError ? rateLimitedError(err) : err;
  }
}

/** Runs a long poll in one of its principal's places (RATE_LIMITED when none is free); an immediate dequeue needs none. */
export function longPoll<T>(ctx: Context, waitSeconds: number | null | undefined, poll: () => Promise<T>): Promise<T> {
  return waitSeconds ? ctx.rateLimits.longPoll(principalOf(ctx.identity), poll) : poll();
}

/** The stream, giving its place back once it ends: completed, failed, or returned (unsubscribed, socket closed). */
function givingBack<T>(stream: AsyncIterable<T>, giveBack: () => void): AsyncIterableIterator<T> {
  const inner = stream[Symbol.asyncIterator]();
  const wrapped: AsyncIterableIterator<T> = {
    next: () =>
      inner.next().then(
        (step) => {
          if (step.done) giveBack();
          return step;
        },
        (err: unknown) => {
          giveBack();
          throw err;
        },
      ),
    return: (value?: unknown) => {
      giveBack();
      return inner.return ? inner.return(value) : Promise.resolve({ done: true as const, value: value as T });
    },
    throw: (err?: unknown) => {
      giveBack();
      return inner.throw ? inner.throw(err) : Promise.reject(err);
    },
    [Symbol.asyncIterator]: () => wrapped,
  };
  return wrapped;
}

/**
 * Each subscription, over a websocket or SSE, holds one of its principal's places while it
 * streams; past the limit it is answered RATE_LIMITED (the websocket stays open).
 */
export const useSubscriptionLimits: Plugin<Context> = {
  onSubscribe: ({ args, subscribeFn, setSubscribeFn, setResultAndStopExecution }) => {
    const ctx = args.contextValue as Context;
    let giveBack: () => void;
    try {
      giveBack = ctx.rateLimits.subscription(principalOf(ctx.identity));
    } catch (err) {
      if (!(err instanceof RateLimitedError)) throw err;
      setResultAndStopExecution({ errors: [rateLimitedError(err)] });
      return;
    }
    setSubscribeFn(async (subscribeArgs) => {
      let result;
      try {
        result = await subscribeFn(subscribeArgs);
      } catch (err) {
        giveBack();
        throw err;
      }
      // An error before streaming (a missing queue, bad arguments) holds nothing.
      if (!isAsyncIterable(result)) {
        giveBack();
        return result;
      }
      return givingBack(result, giveBack);
    });
  },
};
