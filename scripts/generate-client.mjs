// Generates the Prisma client and Pothos types (runs on `npm install`).
// `prisma generate` needs no schema engine, but the CLI looks for its downloaded binary first;
// pointing it at any existing file lets it generate without the download (see ENVIRONMENT notes).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const result = spawnSync('npx', ['--no-install', 'prisma', 'generate'], {
  stdio: 'inherit',
  env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? fileURLToPath(import.meta.url), PRISMA_HIDE_UPDATE_MESSAGE: '1' },
});
process.exit(result.status ?? 1);
