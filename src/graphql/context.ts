import type { Identity, TokenService } from '../auth/tokens.js';
import type { Db } from '../db/client.js';
import type { EventBus } from '../events/bus.js';
import type { EventTailer } from '../events/tailer.js';
import type { RateLimiter } from '../limits/rateLimits.js';
import type { HandOff } from '../queues/handOff.js';
import type { AgentTokenGuard } from './agentTokenGuard.js';
import type { Loaders } from './loaders.js';

export interface Context {
  db: Db;
  /** Committed events fanned out in-process: subscriptions and long polls. */
  bus: EventBus;
  /** Long polls waiting on this instance: an enqueue hands its task to one directly. */
  handOff: HandOff;
  /** Where the event tailer stands in each log (subscriptions replay up to there). */
  positions: EventTailer['caughtUp'];
  /** The verified token's `sub`; every read and write is scoped to it. */
  ownerId: string;
  /** The verified token: its owner (= ownerId) and, for an agent token, the team and member it acts as. */
  identity: Identity;
  /** This instance's rate limits (per identity): long polls and subscriptions take a place in them. */
  rateLimits: RateLimiter;
  loaders: Loaders;
  /** Mints agent tokens (createAgentToken). */
  tokens: TokenService;
  /** Revoked agent tokens: forgotten here at once after revokeAgentTokens. */
  agentTokens: AgentTokenGuard;
  /** Aborts when the client goes away (long polls stop waiting). */
  signal?: AbortSignal;
  /** A schedule was created here: this instance's schedule ticker looks at once. */
  schedulesChanged?: () => void;
  /** HTTP only: when the request's token expires (ends SSE subscriptions). */
  tokenExpiresAt?: Date;
}
