import type { Db } from '../db/client.js';
import type { EventBus } from '../events/bus.js';
import type { EventTailer } from '../events/tailer.js';
import type { Principal } from '../limits/principal.js';
import type { RateLimiter } from '../limits/rateLimits.js';
import type { Loaders } from './loaders.js';

export interface Context {
  db: Db;
  /** Committed events fanned out in-process: subscriptions and long polls. */
  bus: EventBus;
  /** Where the event tailer stands in each log (subscriptions replay up to there). */
  positions: EventTailer['caughtUp'];
  /** The verified token's `sub`; every read and write is scoped to it. */
  ownerId: string;
  /** Whose rate limits this request counts against (the owner; an agent token's agent too). */
  principal: Principal;
  /** This instance's rate limits: long polls and subscriptions take a place in them. */
  rateLimits: RateLimiter;
  loaders: Loaders;
  /** Aborts when the client goes away (long polls stop waiting). */
  signal?: AbortSignal;
  /** A schedule was created here: this instance's schedule ticker looks at once. */
  schedulesChanged?: () => void;
  /** HTTP only: when the request's token expires (ends SSE subscriptions). */
  tokenExpiresAt?: Date;
}
