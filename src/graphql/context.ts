import type { Db } from '../db/client.js';
import type { EventBus } from '../events/bus.js';

export interface Context {
  db: Db;
  /** Events from PostgreSQL NOTIFY, fanned out in-process: subscriptions and long polls. */
  bus: EventBus;
  /** The verified token's `sub`; every read and write is scoped to it. */
  ownerId: string;
  /** Aborts when the HTTP client goes away (long polls stop waiting). */
  signal?: AbortSignal;
  /** HTTP only: when the request's token expires (ends SSE subscriptions). */
  tokenExpiresAt?: Date;
}
