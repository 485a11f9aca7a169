import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { PrincipalLimits, RateLimitsConfig } from '../config.js';
import { RateLimitedError } from '../errors.js';
import { rateLimited } from '../metrics/rateLimits.js';
import { Places } from './places.js';
import type { Principal } from './principal.js';

/** The window of the burst allowance: BURST requests past the per-second rate, per this many seconds. */
export const BURST_WINDOW_SECONDS = 10;
/** What a refused long poll or subscription is told to wait: a place frees when another one ends. */
const PLACE_RETRY_SECONDS = 1;

type Kind = 'owner' | 'agent';
const WHO: Record<Kind, string> = { owner: 'owner', agent: 'agent token' };

export interface RateLimiter {
  /**
   * Counts one request of `principal` (a GraphQL operation over HTTP, a REST call, a websocket
   * operation); RateLimitedError past its rate. An agent token counts to itself and its owner.
   */
  request(principal: Principal): Promise<void>;
  /** Runs `poll` in one of the principal's long-poll places, given back however it ends; RateLimitedError when none is free. */
  longPoll<T>(principal: Principal, poll: () => Promise<T>): Promise<T>;
  /** Takes one of the principal's subscription places and returns what gives it back (once); RateLimitedError when none is free. */
  subscription(principal: Principal): () => void;
  /** Long polls and subscriptions holding a place now, for the tests and the metrics. */
  held(): { longPolls: number; subscriptions: number };
}

/** A 1-second window of `requestsPerSecond`, then up to `burst` more per BURST_WINDOW_SECONDS; undefined when unlimited. */
function requestRate(limits: PrincipalLimits, kind: Kind) {
  if (limits.requestsPerSecond === null) return undefined;
  const rate = new RateLimiterMemory({ keyPrefix: `${kind}-rate`, points: limits.requestsPerSecond, duration: 1 });
  if (!limits.burst) return rate;
  return new BurstyRateLimiter(rate, new RateLimiterMemory({ keyPrefix: `${kind}-burst`, points: limits.burst, duration: BURST_WINDOW_SECONDS }));
}

const wholeSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * Rate limits per principal, in this process's memory (each instance counts its own requests).
 * Requests per second go through rate-limiter-flexible; long polls and subscriptions are counts
 * of what is open at once.
 */
export function createRateLimiter(config: RateLimitsConfig): RateLimiter {
  const rates = { owner: requestRate(config.owner, 'owner'), agent: requestRate(config.agent, 'agent') };
  const longPolls = new Places();
  const subscriptions = new Places();
  /** Open now, limited or not (an agent's long poll holds two places: its own and its owner's). */
  const open = { longPolls: 0, subscriptions: 0 };

  async function consume(kind: Kind, key: string) {
    const limiter = rates[kind];
    if (!limiter) return;
    try {
      await limiter.consume(key);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      rateLimited.inc({ limit: 'requests', principal: kind });
      const wait = wholeSeconds(err.msBeforeNext);
      throw new RateLimitedError(`Too many requests: at most ${config[kind].requestsPerSecond} per second per ${WHO[kind]}; retry in ${wait} s`, wait);
    }
  }

  /** Takes a place for the agent (when there is one) and its owner, or none of them. */
  function take(places: Places, what: 'longPolls' | 'subscriptions', principal: Principal, label: string): () => void {
    const refuse = (kind: Kind) => {
      rateLimited.inc({ limit: what === 'longPolls' ? 'long_polls' : 'subscriptions', principal: kind });
      return new RateLimitedError(`Too many ${label}: at most ${config[kind][what]} at once per ${WHO[kind]}`, PLACE_RETRY_SECONDS);
    };
    const { agentKey, ownerId } = principal;
    const agentMax = config.agent[what];
    const ownerMax = config.owner[what];
    const forAgent = agentKey !== undefined && agentMax !== null;
    if (forAgent && !places.take(`agent:${agentKey}`, agentMax)) throw refuse('agent');
    if (ownerMax !== null && !places.take(`owner:${ownerId}`, ownerMax)) {
      if (forAgent) places.give(`agent:${agentKey}`);
      throw refuse('owner');
    }
    open[what]++;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      open[what]--;
      if (forAgent) places.give(`agent:${agentKey}`);
      if (ownerMax !== null) places.give(`owner:${ownerId}`);
    };
  }

  return {
    async request(principal) {
      // The agent's own limit first: a refused agent does not use up its owner's requests.
      if (principal.agentKey !== undefined) await consume('agent', principal.agentKey);
      await consume('owner', principal.ownerId);
    },
    async longPoll(principal, poll) {
      const giveBack = take(longPolls, 'longPolls', principal, 'long polls');
      try {
        return await poll();
      } finally {
        giveBack();
      }
    },
    subscription: (principal) => take(subscriptions, 'subscriptions', principal, 'subscriptions'),
    held: () => ({ ...open }),
  };
}
