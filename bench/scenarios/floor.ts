// The floor: what PostgreSQL itself does with the bare claim + complete statements on a
// trigger-free table (no events, no NOTIFY, no joins), two autocommit statements per cycle,
// with `clients` concurrent connections using named prepared statements.
import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { drain } from '../stats.js';

const TABLE = 'floor_tasks';

export const FLOOR_CLAIM = `
  WITH next AS (
    SELECT id FROM ${TABLE} WHERE status = 'PENDING' ORDER BY priority DESC, seq LIMIT 1 FOR UPDATE SKIP LOCKED
  )
  UPDATE ${TABLE} t
  SET status = 'ASSIGNED', assigned_agent_id = $1, assigned_at = now(), attempts = t.attempts + 1,
      lease_token = $2, lease_expires_at = now() + interval '300 seconds'
  FROM next WHERE t.id = next.id
  RETURNING t.id, t.lease_token`;

export const FLOOR_COMPLETE = `
  UPDATE ${TABLE}
  SET status = 'COMPLETED', result = $2::jsonb, completed_at = now(), finished_at = now(),
      lease_token = NULL, lease_expires_at = NULL
  WHERE id = $1 AND status = 'ASSIGNED'`;

/** A fresh floor table shaped like `tasks` (same id and column types), filled with `count` rows. */
async function prepareTable(client: pg.Client, count: number) {
  await client.query(`DROP TABLE IF EXISTS ${TABLE}`);
  await client.query(`
    CREATE TABLE ${TABLE} (
      id text PRIMARY KEY,
      seq bigserial NOT NULL,
      priority integer NOT NULL,
      payload jsonb NOT NULL DEFAULT '{}',
      status text NOT NULL DEFAULT 'PENDING',
      assigned_agent_id text,
      lease_token text,
      lease_expires_at timestamptz(3),
      attempts integer NOT NULL DEFAULT 0,
      result jsonb,
      assigned_at timestamptz(3),
      completed_at timestamptz(3),
      finished_at timestamptz(3)
    )`);
  await client.query(`CREATE INDEX ${TABLE}_claimable ON ${TABLE} (priority DESC, seq) WHERE status = 'PENDING'`);
  await client.query(
    `INSERT INTO ${TABLE} (id, priority, payload)
     SELECT 'wt_' || substr(md5('floor:' || g), 1, 16), 1 + g % 5, jsonb_build_object('n', g)
     FROM generate_series(1, $1::int) g`,
    [count],
  );
  await client.query(`VACUUM (ANALYZE) ${TABLE}`);
}

async function verify(client: pg.Client, expected: number): Promise<{ ok: boolean; text: string }> {
  const { rows } = await client.query<{ completed: string; assigned: string; reassigned: string }>(
    `SELECT count(*) FILTER (WHERE status = 'COMPLETED') AS completed,
            count(*) FILTER (WHERE status = 'ASSIGNED') AS assigned,
            count(*) FILTER (WHERE attempts > 1) AS reassigned
     FROM ${TABLE}`,
  );
  const r = rows[0]!;
  const ok = Number(r.completed) === expected && r.assigned === '0' && r.reassigned === '0';
  return {
    ok,
    text: ok ? 'exactly once: ok' : `exactly once: FAILED (${r.completed} of ${expected} completed, ${r.assigned} left assigned, ${r.reassigned} reassigned)`,
  };
}

export interface FloorRun {
  perSecond: number;
  seconds: number;
  cycles: number;
  verified: { ok: boolean; text: string };
  how: string;
}

export function pgbenchVersion(): string | null {
  try {
    return execFileSync('pgbench', ['--version'], { encoding: 'utf8' }).trim().replace(/^pgbench \(PostgreSQL\) /, '');
  } catch {
    return null;
  }
}

/** pgbench, `clients` clients on 2 threads, -M prepared, a fixed number of transactions. */
export async function floorWithPgbench(url: string, clients: number, cycles: number): Promise<FloorRun> {
  const perClient = Math.max(1, Math.ceil(cycles / clients));
  const total = perClient * clients;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const dir = await mkdtemp(path.join(tmpdir(), 'agent-teams-floor-'));
  try {
    await prepareTable(client, total + clients);
    const script = path.join(dir, 'cycle.sql');
    // pgbench -M prepared turns :variables into parameters of named prepared statements.
    await writeFile(
      script,
      `${FLOOR_CLAIM.replace('$1', "'agent-' || :client_id::text").replace('$2', 'md5(random()::text)').replace('RETURNING t.id, t.lease_token', 'RETURNING t.id AS id')} \\gset\n` +
        `${FLOOR_COMPLETE.replace('$1', ':id').replace('$2::jsonb', `'{"ok": true}'::jsonb`)};\n`,
    );
    const start = performance.now();
    const { stdout } = await promisify(execFile)(
      'pgbench',
      ['-n', '-M', 'prepared', '-c', String(clients), '-j', '2', '-t', String(perClient), '-f', script, url],
      { maxBuffer: 1 << 22 },
    );
    const seconds = (performance.now() - start) / 1000;
    const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
    const processed = /number of transactions actually processed: (\d+)/.exec(stdout);
    if (!tps || Number(processed?.[1]) !== total) throw new Error(`pgbench did not complete ${total} cycles:\n${stdout}`);
    return {
      perSecond: Number(tps[1]),
      seconds,
      cycles: total,
      verified: await verify(client, total),
      how: `pgbench, ${clients} clients, -M prepared`,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
    await client.end();
  }
}

/** `clients` node `pg` clients in this process, named prepared statements. */
export async function floorWithNode(url: string, clients: number, cycles: number): Promise<FloorRun> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const conns = await Promise.all(
    Array.from({ length: clients }, async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  try {
    await prepareTable(admin, cycles);
    const result = { ok: true };
    const drained = await drain(clients, async (agent, i) => {
      const c = conns[i]!;
      const { rows } = await c.query<{ id: string }>({ name: 'floor_claim', text: FLOOR_CLAIM, values: [agent, randomUUID()] });
      const id = rows[0]?.id;
      if (!id) return [];
      const done = await c.query({ name: 'floor_complete', text: FLOOR_COMPLETE, values: [id, result] });
      if (done.rowCount !== 1) throw new Error(`floor: complete of ${id} matched ${done.rowCount} rows`);
      return [id];
    });
    const verified = await verify(admin, cycles);
    if (drained.duplicates) verified.ok = false;
    return { perSecond: drained.perSecond, seconds: drained.seconds, cycles: drained.tasks, verified, how: `node pg, ${clients} clients, named prepared statements` };
  } finally {
    await Promise.all(conns.map((c) => c.end()));
    await admin.end();
  }
}
