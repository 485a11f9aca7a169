import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface WsClient {
  client: Client;
  /** How the server closed the socket, once it did. */
  closed(): { code: number; reason: string } | undefined;
  /** True once the server acknowledged the connection (it accepted the connection params). */
  connected(): boolean;
}

/** A real graphql-ws client on a server, never retrying (a drop is a drop). */
export function wsClient(baseUrl: string, connectionParams: Record<string, unknown> | undefined): WsClient {
  let closed: { code: number; reason: string } | undefined;
  let connected = false;
  const client = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: false,
    on: {
      connected: () => (connected = true),
      closed: (event) => (closed = event as { code: number; reason: string }),
    },
    onNonLazyError: () => {},
  });
  return { client, closed: () => closed, connected: () => connected };
}

export interface Collected<T> {
  items: T[];
  errors: (GraphQLFormattedError | Error | unknown)[];
  completed: boolean;
  /** Resolves with the items once `n` arrived; rejects on an error, an early end, or after `ms`. */
  waitFor(n: number, ms?: number): Promise<T[]>;
  stop(): void;
}

/** Subscribes and collects what arrives. */
export function collect<T, V extends Record<string, unknown>>(client: Client, doc: TypedDocumentNode<T, V>, variables: V): Collected<T> {
  const waiters = new Set<() => void>();
  const changed = () => waiters.forEach((w) => w());
  const state: Collected<T> = {
    items: [],
    errors: [],
    completed: false,
    waitFor(n, ms = 10_000) {
      return new Promise<T[]>((resolve, reject) => {
        const done = () => {
          waiters.delete(check);
          clearTimeout(timer);
        };
        const check = () => {
          if (state.items.length >= n) {
            done();
            resolve(state.items);
          } else if (state.errors.length) {
            done();
            reject(new Error(`subscription failed: ${JSON.stringify(state.errors)}`));
          } else if (state.completed) {
            done();
            reject(new Error(`subscription ended after ${state.items.length} of ${n} items: ${JSON.stringify(state.items)}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`only ${state.items.length} of ${n} items after ${ms} ms: ${JSON.stringify(state.items)}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    stop: () => unsubscribe(),
  };
  const unsubscribe = client.subscribe<T>(
    { query: print(doc), variables },
    {
      next: (value) => {
        if (value.errors) state.errors.push(...value.errors);
        if (value.data) state.items.push(value.data as T);
        changed();
      },
      error: (err) => {
        state.errors.push(err);
        changed();
      },
      complete: () => {
        state.completed = true;
        changed();
      },
    },
  );
  return state;
}

/**
 * Makes sure a subscription without a cursor is live when the server gives no readiness signal
 * (a server in another process): `poke` causes an event the subscription receives; it is repeated
 * until one such event arrives. From then on, every later event reaches the subscription. Returns
 * the items received so far (the pokes' events).
 */
export async function untilLive<T>(sub: Collected<T>, poke: () => Promise<unknown>, options: { attemptMs?: number; timeoutMs?: number } = {}) {
  const { attemptMs = 250, timeoutMs = 10_000 } = options;
  const deadline = Date.now() + timeoutMs;
  while (sub.items.length === 0) {
    if (sub.errors.length) throw new Error(`subscription failed: ${JSON.stringify(sub.errors)}`);
    if (Date.now() >= deadline) throw new Error(`subscription not live within ${timeoutMs} ms`);
    await poke();
    await sub.waitFor(1, attemptMs).catch(() => {});
  }
  return [...sub.items];
}
