import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
import { createClient, type Client } from 'graphql-ws';

type Doc<R, V> = DocumentTypeDecoration<R, V> & { toString(): string };

export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export type Connection = 'connecting' | 'live' | 'reconnecting';

/**
 * This server's GraphQL API as the dashboard uses it: queries and mutations over HTTP, live
 * events over one graphql-ws websocket (token in connectionParams) that reconnects by itself.
 */
export class Api {
  private readonly ws: Client;
  private connectedOnce = false;
  private readonly listeners = new Set<(state: Connection) => void>();
  private readonly reconnectListeners = new Set<() => void>();
  state: Connection = 'connecting';

  constructor(
    private readonly token: string,
    /** Called when the server refuses the token (401 or websocket close 4401). */
    private readonly onUnauthorized: (message: string) => void,
  ) {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
    this.ws = createClient({
      url,
      connectionParams: { authorization: `Bearer ${token}` },
      lazy: false,
      keepAlive: 20_000,
      retryAttempts: Number.POSITIVE_INFINITY,
      shouldRetry: (event) => !(event && typeof event === 'object' && 'code' in event && event.code === 4401),
      onNonLazyError: () => {},
      on: {
        connected: () => {
          this.setState('live');
          // Events sent before the subscriptions were in place (page load, a dropped socket)
          // were missed: views reload what they show.
          this.connectedOnce = true;
          this.reconnectListeners.forEach((l) => l());
        },
        closed: (event) => {
          const close = event as { code?: number; reason?: string };
          if (close?.code === 4401) this.onUnauthorized(close.reason || 'The server refused the token.');
          else this.setState(this.connectedOnce ? 'reconnecting' : 'connecting');
        },
      },
    });
  }

  private setState(state: Connection) {
    this.state = state;
    this.listeners.forEach((l) => l(state));
  }

  onConnection(listener: (state: Connection) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  async request<R, V>(doc: Doc<R, V>, variables: V): Promise<R> {
    const res = await fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify({ query: doc.toString(), variables }),
    });
    const body = (await res.json().catch(() => ({}))) as { data?: R; errors?: Array<{ message: string; extensions?: { code?: string } }> };
    const error = body.errors?.[0];
    if (error) {
      const code = error.extensions?.code;
      if (code === 'UNAUTHENTICATED') this.onUnauthorized(error.message);
      throw new ApiError(error.message, code);
    }
    if (!body.data) throw new ApiError(`HTTP ${res.status}`, undefined);
    return body.data;
  }

  /**
   * Calls `next` with each event until the returned function is called; `ended` when the server
   * ends the stream (e.g. the page fell too far behind: CONFLICT, subscribe again).
   */
  subscribe<R, V>(doc: Doc<R, V>, variables: V, next: (data: R) => void, ended?: (error?: unknown) => void): () => void {
    let stopped = false;
    const stop = this.ws.subscribe<R>(
      { query: doc.toString(), variables: variables as Record<string, unknown> },
      {
        next: (value) => value.data && next(value.data as R),
        error: (err) => {
          console.warn('subscription ended', err);
          if (!stopped) ended?.(err);
        },
        complete: () => {
          if (!stopped) ended?.();
        },
      },
    );
    return () => {
      stopped = true;
      stop();
    };
  }

  dispose() {
    void this.ws.dispose();
  }
}
