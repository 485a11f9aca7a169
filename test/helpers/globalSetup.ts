import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startTemporaryPostgres, type EmbeddedDatabase } from '../../src/db/embeddedPostgres.js';
import { migrate } from '../../src/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A URL on the test cluster with rights to create databases. */
    adminUrl: string;
    /** The migrated database each test file clones. */
    templateDatabase: string;
  }
}

/**
 * One PostgreSQL for the run: the embedded one in a temp directory, or the server DATABASE_URL
 * points at (CI also runs the suite against the machine's PostgreSQL 15). Migrations are applied
 * once to a template database; test files clone it.
 */
export default async function setup(project: TestProject) {
  let embedded: EmbeddedDatabase | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    embedded = await startTemporaryPostgres('test');
    adminUrl = embedded.url;
  }
  const templateDatabase = `agent_teams_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${templateDatabase}`);
  await admin.query(`CREATE DATABASE ${templateDatabase}`);
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${templateDatabase}`;
  await migrate(templateUrl.toString());

  project.provide('adminUrl', adminUrl);
  project.provide('templateDatabase', templateDatabase);

  return async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${templateDatabase} WITH (FORCE)`).catch(() => {});
    await admin.end();
    await embedded?.stop();
  };
}
