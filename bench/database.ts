import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startTemporaryPostgres, type EmbeddedDatabase } from '../src/db/embeddedPostgres.js';
import { migrate } from '../src/db/migrate.js';

export const OWNER = 'bench';

export interface BenchDatabases {
  /** The migrated database every server and scenario uses. */
  url: string;
  /** A scratch database on the same cluster for the trigger-free floor table. */
  floorUrl: string;
  /** A connection to `url` for setup and checks (never on a measured path). */
  admin: pg.Pool;
  /** e.g. "embedded PostgreSQL (temporary cluster, 127.0.0.1:41234)". */
  where: string;
  names: string[];
  cleanup(): Promise<void>;
}

const withDatabase = (url: string, name: string) => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

/**
 * The embedded PostgreSQL in a temporary directory, or, with DATABASE_URL, the server it names:
 * either way two scratch databases, created here and dropped by cleanup().
 */
export async function setupDatabases(): Promise<BenchDatabases> {
  let embedded: EmbeddedDatabase | undefined;
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    embedded = await startTemporaryPostgres('bench');
    serverUrl = embedded.url;
  }
  const main = `agent_teams_bench_${process.pid}`;
  const floor = `agent_teams_bench_floor_${process.pid}`;
  const server = new pg.Client({ connectionString: serverUrl });
  await server.connect();
  for (const name of [main, floor]) {
    await server.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await server.query(`CREATE DATABASE ${name}`);
  }
  const url = withDatabase(serverUrl, main);
  await migrate(url);
  const admin = new pg.Pool({ connectionString: url, max: 4 });
  admin.on('error', () => {}); // an idle connection dropped with its database at cleanup
  const host = new URL(serverUrl);
  return {
    url,
    floorUrl: withDatabase(serverUrl, floor),
    admin,
    where: embedded
      ? `embedded PostgreSQL (temporary cluster, ${host.hostname}:${host.port})`
      : `DATABASE_URL (${host.hostname}:${host.port || 5432})`,
    names: [main, floor],
    async cleanup() {
      await admin.end().catch(() => {});
      for (const name of [main, floor]) await server.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await server.end().catch(() => {});
      await embedded?.stop();
    },
  };
}

/** Version and the settings that decide commit cost. */
export async function describePostgres(admin: pg.Pool): Promise<string> {
  const { rows } = await admin.query<{ name: string; setting: string; unit: string | null }>(
    `SELECT name, setting, unit FROM pg_settings
     WHERE name IN ('server_version', 'synchronous_commit', 'fsync', 'shared_buffers', 'max_connections')`,
  );
  const s = Object.fromEntries(rows.map((r) => [r.name, r]));
  const buffers = s.shared_buffers ? `${(Number(s.shared_buffers.setting) * 8) / 1024} MB` : '?';
  return `PostgreSQL ${s.server_version?.setting} (fsync=${s.fsync?.setting}, synchronous_commit=${s.synchronous_commit?.setting}, shared_buffers=${buffers}, max_connections=${s.max_connections?.setting})`;
}

const newId = (prefix: string) => prefix + randomBytes(8).toString('hex');

/** A work queue of the bench owner, written straight into the table (setup, not measured). */
export async function createQueue(admin: pg.Pool, name: string): Promise<string> {
  const id = newId('wq_');
  await admin.query('INSERT INTO owners (id) VALUES ($1) ON CONFLICT DO NOTHING', [OWNER]);
  await admin.query('INSERT INTO work_queues (id, owner_id, name) VALUES ($1, $2, $3)', [id, OWNER, name]);
  return id;
}

/**
 * Adds `count` PENDING tasks to a queue with INSERT … SELECT generate_series, numbered from
 * `from` (ids stay unique across top-ups), priorities 1–5 in turn. With `triggers: false` the
 * session skips triggers (session_replication_role = replica: no task_events row, no NOTIFY),
 * which needs a superuser; it falls back to the triggers and says so. Chunks of 100,000 rows.
 */
export async function fillQueue(
  url: string,
  queueId: string,
  count: number,
  options: { from?: number; triggers?: boolean; onChunk?: (done: number) => void } = {},
): Promise<{ triggers: boolean }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  let triggers = options.triggers ?? true;
  try {
    if (!triggers) {
      try {
        await client.query('SET session_replication_role = replica');
      } catch {
        triggers = true;
      }
    }
    const from = options.from ?? 0;
    const CHUNK = 100_000;
    for (let done = 0; done < count; done += CHUNK) {
      const lo = from + done;
      const hi = from + Math.min(count, done + CHUNK) - 1;
      await client.query(
        `INSERT INTO tasks (id, queue_id, name, priority, payload, max_attempts)
         SELECT 'wt_' || substr(md5($1 || ':' || g), 1, 16), $1, 'bench-' || g, 1 + g % 5, jsonb_build_object('n', g), 3
         FROM generate_series($2::int, $3::int) g`,
        [queueId, lo, hi],
      );
      options.onChunk?.(Math.min(count, done + CHUNK));
    }
  } finally {
    await client.end();
  }
  return { triggers };
}

export async function vacuumAnalyze(admin: pg.Pool, table = 'tasks'): Promise<void> {
  await admin.query(`VACUUM (ANALYZE) ${table}`);
}

/**
 * Vacuums the tables the scenarios churn and asks for a checkpoint, so the next scenario is not
 * measured against autovacuum or a checkpoint flushing what the previous ones dirtied. CHECKPOINT
 * needs a superuser or pg_checkpoint: without either, the vacuum alone.
 */
export async function settle(admin: pg.Pool): Promise<void> {
  await vacuumAnalyze(admin);
  await vacuumAnalyze(admin, 'task_events');
  await admin.query('CHECKPOINT').catch(() => {});
}

/**
 * Exactly-once check after a throughput scenario: every task of the queue COMPLETED, each
 * assigned once (attempts = 1), and the agents completed each id once and `expected` in all.
 */
export async function verifyQueue(
  admin: pg.Pool | pg.Client,
  queueId: string,
  expected: number,
  client: { tasks: number; duplicates: number },
): Promise<{ ok: boolean; text: string }> {
  const { rows } = await admin.query<{ total: string; completed: string; reassigned: string }>(
    `SELECT count(*) AS total,
            count(*) FILTER (WHERE status = 'COMPLETED') AS completed,
            count(*) FILTER (WHERE attempts <> 1) AS reassigned
     FROM tasks WHERE queue_id = $1`,
    [queueId],
  );
  const r = rows[0]!;
  const problems = [
    Number(r.completed) !== expected ? `${r.completed} of ${expected} tasks COMPLETED` : '',
    Number(r.total) !== expected ? `${r.total} tasks in the queue, expected ${expected}` : '',
    Number(r.reassigned) !== 0 ? `${r.reassigned} tasks assigned more than once` : '',
    client.tasks !== expected ? `the agents completed ${client.tasks}, expected ${expected}` : '',
    client.duplicates !== 0 ? `${client.duplicates} ids completed twice` : '',
  ].filter(Boolean);
  return problems.length ? { ok: false, text: `exactly once: FAILED (${problems.join(', ')})` } : { ok: true, text: 'exactly once: ok' };
}
