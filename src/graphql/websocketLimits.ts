import type { GraphQLError } from 'graphql';
import type { WebSocket } from 'ws';
import { codedError } from './errors.js';

export interface WebSocketLimits {
  /** Open sockets per owner; one more is closed with 4429. */
  maxSocketsPerOwner: number;
  /** Subscriptions running at once on one socket; one more is answered TOO_MANY_REQUESTS. */
  maxSubscriptionsPerSocket: number;
}

export const DEFAULT_WEBSOCKET_LIMITS: WebSocketLimits = { maxSocketsPerOwner: 100, maxSubscriptionsPerSocket: 100 };

// graphql-ws clients do not reconnect after 4429, so an owner over the limit does not hammer.
const TOO_MANY = 4429;

/** Counts sockets per owner and subscriptions per socket, refusing one past either limit. */
export function websocketLimiter(limits: WebSocketLimits) {
  const socketsOf = new Map<string, number>();
  /** Ids of each socket's subscriptions, pruned of those graphql-ws has since ended. */
  const subscriptionsOf = new WeakMap<WebSocket, Set<string>>();
  return {
    /** Counts an authenticated socket of `ownerId` until it closes; closes it (false) past the limit. */
    admitSocket(socket: WebSocket, ownerId: string): boolean {
      const open = socketsOf.get(ownerId) ?? 0;
      if (open >= limits.maxSocketsPerOwner) {
        socket.close(TOO_MANY, `Too many websockets: at most ${limits.maxSocketsPerOwner} per owner`);
        return false;
      }
      socketsOf.set(ownerId, open + 1);
      socket.once('close', () => {
        const left = (socketsOf.get(ownerId) ?? 1) - 1;
        if (left > 0) socketsOf.set(ownerId, left);
        else socketsOf.delete(ownerId);
      });
      return true;
    },
    /** Counts subscription `id` on the socket; the error to answer past the limit. `running`: graphql-ws' operations in flight. */
    admitSubscription(socket: WebSocket, id: string, running: Record<string, unknown>): GraphQLError | undefined {
      let mine = subscriptionsOf.get(socket);
      if (!mine) subscriptionsOf.set(socket, (mine = new Set()));
      for (const known of mine) if (!(known in running)) mine.delete(known);
      if (mine.size >= limits.maxSubscriptionsPerSocket) {
        return codedError('TOO_MANY_REQUESTS', `Too many subscriptions: at most ${limits.maxSubscriptionsPerSocket} at once on one websocket`);
      }
      mine.add(id);
      return undefined;
    },
  };
}
