// Entry point: config → port check → database → server; SIGINT/SIGTERM stop it gracefully.
import { createServer } from 'node:net';
import { createTokenService } from './auth/tokens.js';
import { buildApp, type App } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createDb, type Db } from './db/client.js';
import { EmbeddedPostgresError, startEmbeddedPostgres, type EmbeddedDatabase } from './db/embeddedPostgres.js';
import { migrate } from './db/migrate.js';
import { createLogger } from './logger.js';
import { startTracing } from './tracing/start.js';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(2);
}
const log = createLogger(config.logLevel);
// Before anything that makes spans; off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
const tracing = config.tracing ? startTracing({ ...config.tracing, warn: (message) => log.warn({ component: 'opentelemetry' }, message) }) : undefined;
if (config.tracing) log.info({ endpoint: config.tracing.endpoint, service: config.tracing.serviceName }, 'exporting traces over OTLP/HTTP');

let embedded: EmbeddedDatabase | undefined;
let db: Db | undefined;
let app: App | undefined;
/** Set once the embedded PostgreSQL died under us: /healthz answers 503 with it. */
let databaseLost: string | undefined;

let stopping: Promise<void> | undefined;
/** Drains and stops everything (once), then exits with `code`. */
function shutdown(code: number): Promise<void> {
  return (stopping ??= (async () => {
    await app?.stop().catch((err: unknown) => log.error({ err }, 'error while stopping the server'));
    await db?.close().catch(() => {});
    await embedded?.stop().catch((err: unknown) => log.error({ err }, 'error while stopping the embedded PostgreSQL'));
    await tracing?.stop().catch(() => {});
    process.exit(code);
  })());
}

// Registered first, so a Ctrl-C during start-up also stops what was started. A second signal
// while draining exits at once (the embedded PostgreSQL's watchdog then stops it).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting without waiting for the drain');
      process.exit(1);
    }
    log.info({ signal }, 'shutting down: answering in-flight requests, then stopping');
    void shutdown(0);
  });
}

/** Start-up failures users can act on, as one sentence; undefined for anything else (a bug: logged with its stack). */
function explain(err: unknown): string | undefined {
  if (err instanceof EmbeddedPostgresError) return err.message;
  const e = err as NodeJS.ErrnoException;
  const address = `${config.host}:${config.port}`;
  if (e?.code === 'EADDRINUSE') return `port ${config.port} is already in use (${address}): stop the other server or set PORT`;
  if (e?.code === 'EACCES' && e.syscall === 'listen') return `not allowed to listen on ${address}: choose a PORT above 1023 or run with the needed rights`;
  if (e?.code === 'EADDRNOTAVAIL' || e?.code === 'ENOTFOUND') return `HOST ${config.host} is not an address of this machine: set HOST`;
  if (config.databaseUrl && ['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', '28P01', '3D000'].includes(String(e?.code))) {
    return `could not connect to the database in DATABASE_URL: ${e.message}`;
  }
  return undefined;
}

/** Fails fast when the port is taken, before anything is created or migrated (the port is bound for real once ready). */
async function checkPortFree(): Promise<void> {
  if (config.port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ port: config.port, host: config.host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

try {
  await checkPortFree();
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    log.info({ dataDir: config.dataDir }, 'DATABASE_URL not set: starting embedded PostgreSQL');
    embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      onLog: (line) => log.debug(line),
      onNotice: (line) => log.info(line),
    });
    databaseUrl = embedded.url;
    // Nothing works without it: say so on /healthz, drain what can still answer, exit non-zero
    // so a supervisor (or the user) starts server and database again.
    void embedded.unexpectedExit.then((how) => {
      databaseLost = `the embedded PostgreSQL ${how}`;
      log.fatal(`${databaseLost}: stopping the server (exit code 1); start it again to restart the database`);
      void shutdown(1);
    });
  }
  const applied = await migrate(databaseUrl);
  log.info({ applied }, applied.length ? 'applied migrations' : 'database schema up to date');

  db = createDb(databaseUrl);
  const tokens = await createTokenService(config);
  const devToken = tokens.mode === 'dev' ? await tokens.mint('dev', '30d') : undefined;
  // GraphiQL hands its token to whoever loads the page: only when nobody else can reach it.
  const loopback = ['127.0.0.1', '::1', 'localhost'].includes(config.host);
  app = buildApp({
    config,
    databaseUrl,
    db,
    tokens,
    log,
    graphiqlToken: loopback ? devToken : undefined,
    health: () => databaseLost,
  });
  const url = await app.start();
  log.info({ url: `${url}/graphql` }, 'Agent Teams server listening');

  if (devToken) {
    // Development only (no JWT configuration): a token for owner "dev" and a first request to paste.
    console.log(`
Development token (owner "dev", valid 30 days; mint others with: ${config.dataDir === '.data' ? '' : `DATA_DIR=${config.dataDir} `}npm run --silent token -- --sub <name>):

  export JWT_TOKEN=${devToken}

Try it:

  curl -s ${url}/graphql -H "Authorization: Bearer $JWT_TOKEN" -H 'Content-Type: application/json' \\
    -d '{"query":"mutation { createWorkQueue(input: {name: \\"bug-triage\\"}) { id name } }"}'

Dashboard (signs you in): ${url}/#token=${devToken}
GraphiQL${loopback ? ' (token pre-filled)' : ''}: ${url}/graphql
Stop with Ctrl-C.
`);
  }
} catch (err) {
  if (!stopping) {
    const sentence = explain(err);
    if (sentence) console.error(`Agent Teams cannot start: ${sentence}.`);
    else log.fatal({ err }, 'startup failed');
    await shutdown(1);
  }
}
