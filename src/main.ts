// Entry point: config → database → server.
import { createTokenService } from './auth/tokens.js';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { createDb } from './db/client.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embeddedPostgres.js';
import { migrate } from './db/migrate.js';
import { createLogger } from './logger.js';

let config;
try {
  config = loadConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(2);
}
const log = createLogger(config.logLevel);

let embedded: EmbeddedDatabase | undefined;
let databaseUrl = config.databaseUrl;
if (!databaseUrl) {
  log.info({ dataDir: config.dataDir }, 'DATABASE_URL not set: starting embedded PostgreSQL');
  embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, onLog: (line) => log.debug(line) });
  databaseUrl = embedded.url;
}
const applied = await migrate(databaseUrl);
log.info({ applied }, applied.length ? 'applied migrations' : 'database schema up to date');

const db = createDb(databaseUrl);
const tokens = await createTokenService(config);
const devToken = tokens.mode === 'dev' ? await tokens.mint('dev', '30d') : undefined;
const app = buildApp({ config, databaseUrl, db, tokens, log, graphiqlToken: devToken });
const url = await app.start();
log.info({ url: `${url}/graphql` }, 'Agent Teams server listening');

if (devToken) {
  // Development only (no JWT configuration): a token for owner "dev" and a first request to paste.
  console.log(`
Development token (owner "dev", valid 30 days; mint others with: npm run token -- --sub <name>):

  export JWT_TOKEN=${devToken}

Try it:

  curl -s ${url}/graphql -H "Authorization: Bearer $JWT_TOKEN" -H 'Content-Type: application/json' \\
    -d '{"query":"mutation { createWorkQueue(input: {name: \\"bug-triage\\"}) { id name } }"}'

GraphiQL (token pre-filled): ${url}/graphql
`);
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  await app.stop();
  await db.$disconnect();
  await embedded?.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
