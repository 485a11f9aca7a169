// Entry point: config → database → server.
import { createTokenService } from './auth/tokens.js';
import { buildApp, type App } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createDb, type Db } from './db/client.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embeddedPostgres.js';
import { migrate } from './db/migrate.js';
import { createLogger } from './logger.js';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(2);
}
const log = createLogger(config.logLevel);

let embedded: EmbeddedDatabase | undefined;
let db: Db | undefined;
let app: App | undefined;

/** Startup failures users can act on, in one line instead of a stack trace. */
function explain(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'EADDRINUSE') return `${config.host}:${config.port} is already in use: stop the other server or set PORT.`;
  if (!config.databaseUrl && !embedded) {
    return `could not start the embedded PostgreSQL in ${config.dataDir}/postgres (is another server using that data directory? set DATA_DIR or DATABASE_URL)${e?.message ? `: ${e.message}` : ''}`;
  }
  return e?.message ?? String(err);
}

async function shutdown(code: number) {
  await app?.stop().catch(() => {});
  await db?.close().catch(() => {});
  await embedded?.stop().catch(() => {});
  process.exit(code);
}

try {
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    log.info({ dataDir: config.dataDir }, 'DATABASE_URL not set: starting embedded PostgreSQL');
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, onLog: (line) => log.debug(line) });
    databaseUrl = embedded.url;
  }
  const applied = await migrate(databaseUrl);
  log.info({ applied }, applied.length ? 'applied migrations' : 'database schema up to date');

  db = createDb(databaseUrl);
  const tokens = await createTokenService(config);
  const devToken = tokens.mode === 'dev' ? await tokens.mint('dev', '30d') : undefined;
  // GraphiQL hands its token to whoever loads the page: only when nobody else can reach it.
  const loopback = ['127.0.0.1', '::1', 'localhost'].includes(config.host);
  app = buildApp({ config, databaseUrl, db, tokens, log, graphiqlToken: loopback ? devToken : undefined });
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
  log.fatal({ err }, `startup failed: ${explain(err)}`);
  await shutdown(1);
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    void shutdown(0);
  });
}
