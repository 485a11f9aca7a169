import type { GraphQLError } from 'graphql';
import type { WebSocket } from 'ws';
import { Places } from '../limits/places.js';
import { rateLimited } from '../metrics/rateLimits.js';
import { RateLimitedError } from '../errors.js';
import { rateLimitedError } from './errors.js';

export interface WebSocketLimits {
  /** Open sockets per owner; one more is closed with 4429. */
  maxSocketsPerOwner: number;
  /** Subscriptions running at once on one socket; one more is answered RATE_LIMITED. */
  maxSubscriptionsPerSocket: number;
}

export const DEFAULT_WEBSOCKET_LIMITS: WebSocketLimits = { maxSocketsPerOwner: 100, maxSubscriptionsPerSocket: 100 };

// graphql-ws clients do not reconnect after 4429, so an owner over the limit does not hammer.
const TOO_MANY = 4429;

/**
 * The websocket's own limits, beside the per-principal ones (src/limits/rateLimits.ts, which
 * count a socket's subscriptions with SSE's): sockets per owner, subscriptions per socket.
 */
export function websocketLimiter(limits: WebSocketLimits) {
  const sockets = new Places();
  /** Ids of each socket's subscriptions, pruned of those graphql-ws has since ended. */
  const subscriptionsOf = new WeakMap<WebSocket, Set<string>>();
  return {
    /** Counts an authenticated socket of `ownerId` until it closes; closes it (false) past the limit. */
    admitSocket(socket: WebSocket, ownerId: string): boolean {
      if (!sockets.take(ownerId, limits.maxSocketsPerOwner)) {
        rateLimited.inc({ limit: 'websockets', principal: 'owner' });
        socket.close(TOO_MANY, `Too many websockets: at most ${limits.maxSocketsPerOwner} per owner`);
        return false;
      }
      socket.once('close', () => sockets.give(ownerId));
      return true;
    },
    /** Counts subscription `id` on the socket; the error to answer past the limit. `running`: graphql-ws' operations in flight. */
    admitSubscription(socket: WebSocket, id: string, running: Record<string, unknown>): GraphQLError | undefined {
      let mine = subscriptionsOf.get(socket);
      if (!mine) subscriptionsOf.set(socket, (mine = new Set()));
      for (const known of mine) if (!(known in running)) mine.delete(known);
      if (mine.size >= limits.maxSubscriptionsPerSocket) {
        rateLimited.inc({ limit: 'subscriptions_per_socket', principal: 'owner' });
        return rateLimitedError(new RateLimitedError(`Too many subscriptions: at most ${limits.maxSubscriptionsPerSocket} at once on one websocket`, 1));
      }
      mine.add(id);
      return undefined;
    },
  };
}
