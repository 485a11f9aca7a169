// Whether the database answers. A request that fails because the database is down or restarting
// is answered 503 SERVICE_UNAVAILABLE with Retry-After (not a 500), the outage is logged once
// (not once per request), and a probe notices when the database is back.

/** What clients are told to wait before retrying while the database is unavailable. */
export const RETRY_AFTER_SECONDS = 2;
const PROBE_INTERVAL_MS = 1_000;

// Connection failures at the socket level.
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);
// PostgreSQL: admin_shutdown, crash_shutdown, cannot_connect_now (starting up, recovering),
// too_many_connections, and the whole connection_exception class 08.
const PG_CODES = /^(57P01|57P02|57P03|53300|08...)$/;
// Prisma's wrapping: can't reach the server, timed out, server closed the connection, pool timeout.
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1017', 'P2024']);
// @prisma/adapter-pg's names for the socket failures above.
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
// pg and pg-pool raise these as plain errors without a code.
const MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly/i;

/** True when `err` (or what it wraps) says the database cannot be reached now, not that the request was wrong. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  const queue = [err];
  while (queue.length) {
    const e = queue.shift() as Record<string, unknown> | undefined;
    if (!e || typeof e !== 'object' || seen.has(e) || seen.size > 10) continue;
    seen.add(e);
    const code = typeof e.code === 'string' ? e.code : undefined;
    if (code && (SOCKET_CODES.has(code) || PG_CODES.test(code) || PRISMA_CODES.has(code))) return true;
    if (typeof e.kind === 'string' && ADAPTER_KINDS.has(e.kind)) return true;
    if (e.kind === 'postgres' && typeof e.code === 'string' && PG_CODES.test(e.code)) return true;
    if (typeof e.originalCode === 'string' && PG_CODES.test(e.originalCode)) return true;
    if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true;
    const meta = e.meta as Record<string, unknown> | undefined;
    queue.push(e.cause, e.originalError, meta?.driverAdapterError, meta);
  }
  return false;
}

export type HealthListener = (state: 'down' | 'up', err?: unknown) => void;

export interface DatabaseHealth {
  /** True when `err` means the database is unavailable; the first such error starts an outage. */
  report(err: unknown): boolean;
  readonly down: boolean;
  /** Called once when an outage starts and once when it ends. */
  onChange(listener: HealthListener): () => void;
  close(): void;
}

/** Tracks outages of one database; `probe` (a trivial query) tells when it is back. */
export function createDatabaseHealth(probe: () => Promise<unknown>): DatabaseHealth {
  const listeners = new Set<HealthListener>();
  let down = false;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const emit = (state: 'down' | 'up', err?: unknown) => listeners.forEach((l) => l(state, err));
  const check = () => {
    timer = setTimeout(() => {
      probe().then(
        () => {
          down = false;
          timer = undefined;
          emit('up');
        },
        () => {
          if (!closed) check();
        },
      );
    }, PROBE_INTERVAL_MS);
    timer.unref();
  };
  return {
    report(err) {
      if (!isDatabaseUnavailable(err)) return false;
      if (!down && !closed) {
        down = true;
        emit('down', err);
        check();
      }
      return true;
    },
    get down() {
      return down;
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
