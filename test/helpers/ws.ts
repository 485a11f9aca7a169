import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

/** A real graphql-ws client on the test server, never retrying (a drop is a drop). */
export function wsClient(baseUrl: string, connectionParams: Record<string, unknown> | undefined) {
  let closed: { code: number; reason: string } | undefined;
  const client = createClient({
    url: `${baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: false,
    on: { closed: (event) => (closed = event as { code: number; reason: string }) },
    onNonLazyError: () => {},
  });
  return { client, closed: () => closed };
}

export interface Collected<T> {
  items: T[];
  errors: (GraphQLFormattedError | Error | unknown)[];
  completed: boolean;
  /** Resolves once `n` items arrived (or rejects after `ms`). */
  waitFor(n: number, ms?: number): Promise<T[]>;
  stop(): void;
}

/** Subscribes and collects what arrives. */
export function collect<T, V extends Record<string, unknown>>(client: Client, doc: TypedDocumentNode<T, V>, variables: V): Collected<T> {
  const state: Collected<T> = {
    items: [],
    errors: [],
    completed: false,
    async waitFor(n, ms = 10_000) {
      const end = Date.now() + ms;
      while (state.items.length < n) {
        if (state.errors.length) throw new Error(`subscription failed: ${JSON.stringify(state.errors)}`);
        if (Date.now() > end) throw new Error(`only ${state.items.length} of ${n} items after ${ms} ms: ${JSON.stringify(state.items)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return state.items;
    },
    stop: () => unsubscribe(),
  };
  const unsubscribe = client.subscribe<T>(
    { query: print(doc), variables },
    {
      next: (value) => {
        if (value.errors) state.errors.push(...value.errors);
        if (value.data) state.items.push(value.data as T);
      },
      error: (err) => state.errors.push(err),
      complete: () => (state.completed = true),
    },
  );
  return state;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
