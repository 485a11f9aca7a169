import type { BenchDatabases } from './database.js';
import type { Options } from './options.js';
import type { RunningServer } from './servers.js';

export interface BenchContext {
  opts: Options;
  dbs: BenchDatabases;
  /** A bearer token for the bench owner, signed with the servers' secret. */
  token: string;
  /** The floor's cycles per second: the denominator of every throughput ratio. */
  floor: number | null;
  /** Queues filled before any server started (name → id). */
  queues: Record<string, string>;
  /** Starts the server of that kind (stopping any other one first) or returns the running one. */
  server(kind: 'app' | 'bare'): Promise<RunningServer>;
  stopServer(): Promise<void>;
}

/** Throughput ÷ floor. */
export const ratioToFloor = (ctx: BenchContext, perSecond: number) => (ctx.floor ? perSecond / ctx.floor : null);
