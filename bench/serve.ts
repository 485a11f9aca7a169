// A server under test, on the bench database. Imported by the bench (--servers inprocess) or run
// as a child process (the default), so the load generator's CPU and GC stay out of its process:
//
//   BENCH_DATABASE_URL=… BENCH_JWT_SECRET=… node --import tsx bench/serve.ts app|bare
//
// prints "listening <url>" on stdout, then answers the bench's IPC messages
// ({ type: 'awaitWaiter', queueId } and { type: 'stop' }).
import { pathToFileURL } from 'node:url';
import { setImmediate as tick } from 'node:timers/promises';
import { buildApp } from '../src/app.js';
import { createTokenService } from '../src/auth/tokens.js';
import { DEFAULT_RATE_LIMITS } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startBareYoga } from './bareYoga.js';
import { OWNER } from './database.js';
import { openDb } from './domain.js';

export interface ServedApp {
  url: string;
  /**
   * Resolves once a long poll waits on the queue ('signal'), or 'timeout', or 'unsupported' when
   * this build of the server offers no way to tell.
   */
  awaitWaiter(queueId: string, timeoutMs: number): Promise<'signal' | 'timeout' | 'unsupported'>;
  stop(): Promise<void>;
}

export async function serve(kind: 'app' | 'bare', databaseUrl: string, jwtSecret: string): Promise<ServedApp> {
  if (kind === 'bare') {
    const bare = await startBareYoga(databaseUrl, OWNER);
    return { url: bare.url, awaitWaiter: async () => 'unsupported', stop: bare.stop };
  }
  const { db, close } = openDb(databaseUrl);
  const tokens = await createTokenService({ jwt: { kind: 'secret', secret: jwtSecret }, dataDir: '.data' });
  const app = buildApp({
    // The memory scenario holds 10,000 sockets of one owner, each with a subscription: above the
    // default per-owner limits (WS_MAX_SOCKETS_PER_OWNER, 100; RATE_LIMIT_OWNER_SUBSCRIPTIONS,
    // 10,000 — at its edge), which are production guards, not what is measured here. The other
    // rate limits keep their defaults: generous enough not to slow any scenario.
    config: {
      host: '127.0.0.1',
      port: 0,
      sweepIntervalMs: 1000,
      websocket: { maxSocketsPerOwner: 20_000, maxSubscriptionsPerSocket: 100 },
      rateLimits: { ...DEFAULT_RATE_LIMITS, owner: { ...DEFAULT_RATE_LIMITS.owner, subscriptions: 20_000 } },
    },
    databaseUrl,
    db,
    tokens,
    log: createLogger('error'),
  });
  const url = await app.start();
  // A long poll listens on the event bus for its queue's wake-ups; read loosely so the bench
  // still compiles and runs (falling back to a short fixed wait) if the bus changes.
  // Since enqueues hand tasks to waiting polls (app.handOff), a poll waits once it is offered
  // there; before, once it listened for its queue's wake-ups.
  const bus = app.bus as unknown as { hasListeners?: (topic: string, id: string) => boolean };
  const handOff = (app as unknown as { handOff?: { waiting?: (queueId: string) => number } }).handOff;
  const waits =
    typeof handOff?.waiting === 'function'
      ? (queueId: string) => handOff.waiting!(queueId) > 0
      : typeof bus.hasListeners === 'function'
        ? (queueId: string) => bus.hasListeners!('work', queueId)
        : undefined;
  return {
    url,
    async awaitWaiter(queueId, timeoutMs) {
      if (!waits) return 'unsupported';
      const until = performance.now() + timeoutMs;
      while (!waits(queueId)) {
        if (performance.now() > until) return 'timeout';
        await tick();
      }
      return 'signal';
    },
    async stop() {
      await app.stop();
      await close();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const kind = process.argv[2] === 'bare' ? 'bare' : 'app';
  const served = await serve(kind, process.env.BENCH_DATABASE_URL!, process.env.BENCH_JWT_SECRET!);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await served.stop().catch(() => {});
    process.exit(0);
  };
  process.on('message', (m: { type: string; id?: number; queueId?: string; timeoutMs?: number }) => {
    if (m.type === 'stop') void stop();
    if (m.type === 'awaitWaiter') {
      void served.awaitWaiter(m.queueId!, m.timeoutMs ?? 2000).then((answer) => process.send?.({ type: 'awaitWaiter', id: m.id, answer }));
    }
  });
  process.on('disconnect', () => void stop()); // the bench went away
  process.stdout.write(`listening ${served.url}\n`);
}
