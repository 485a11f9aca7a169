// npm run bench [-- --help]: throughput, push latency, queue-depth latency and memory of Agent
// Teams, every throughput as a ratio to the bare-table floor measured in the same run on the same
// PostgreSQL. Progress goes to stderr; the table (or, with --json, one JSON line per scenario)
// to stdout at the end. Every scenario is bounded by a fixed number of tasks or samples.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { createTokenService } from '../src/auth/tokens.js';
import type { BenchContext } from './context.js';
import { createQueue, describePostgres, fillQueue, OWNER, settle, setupDatabases, vacuumAnalyze } from './database.js';
import { parseOptions, type ScenarioName } from './options.js';
import { fmt, jsonLine, progress, renderTable, type Result } from './report.js';
import { batch } from './scenarios/batch.js';
import { depth } from './scenarios/depth.js';
import { floorWithNode, floorWithPgbench, pgbenchVersion, type FloorRun } from './scenarios/floor.js';
import { longPoll, push } from './scenarios/latency.js';
import { rss } from './scenarios/rss.js';
import { bareYoga, derivedRatios, graphql, rest, sqlPath } from './scenarios/throughput.js';
import { postgresCpu } from './postgresCpu.js';
import { startServer, type RunningServer } from './servers.js';

const opts = parseOptions();
const SCENARIO_TIMEOUT_MS = 10 * 60_000;

const cpus = os.cpus();
const loadAtStart = os.loadavg()[0]!;
const machine = `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}`;
if (loadAtStart >= 1) progress(`warning: 1-min load average ${loadAtStart.toFixed(1)} before the bench started: other work is running, figures will be noisy`);
progress(`bench: ${machine}, Node ${process.version}; setting up ${process.env.DATABASE_URL ? 'scratch databases on DATABASE_URL' : 'an embedded PostgreSQL'}`);

const dbs = await setupDatabases();
let failures = 0;
let current: RunningServer | undefined;
const serversUsed = new Map<string, string>();
const results: Result[] = [];

try {
  const postgres = await describePostgres(dbs.admin);
  const jwtSecret = randomUUID() + randomUUID();
  const tokens = await createTokenService({ jwt: { kind: 'secret', secret: jwtSecret }, dataDir: '.data' });

  // Every queue is filled before any server starts, so no listener is busy with the fill.
  const queues: Record<string, string> = {};
  const fills: [name: string, count: number, needed: ScenarioName][] = [
    ['sql-warmup', opts.warmup, 'sql'],
    ['sql', opts.tasks, 'sql'],
    ['bare-yoga-warmup', opts.warmup, 'bare-yoga'],
    ['bare-yoga', opts.tasks, 'bare-yoga'],
    ['graphql-warmup', opts.warmup, 'graphql'],
    ['graphql', opts.tasks, 'graphql'],
    ['rest-warmup', opts.warmup, 'rest'],
    ['rest', opts.tasks, 'rest'],
    ['batch-warmup', Math.min(opts.batchTasks, opts.warmup * 10), 'batch'],
    ['batch', opts.batchTasks, 'batch'],
    ['probe', 0, 'batch'],
    ['push', 0, 'push'],
    ['long-poll', 0, 'long-poll'],
  ];
  progress('setup: creating and filling the queues');
  for (const [name, count, needed] of fills) {
    if (!opts.run.has(needed)) continue;
    queues[name] = await createQueue(dbs.admin, name);
    if (count > 0) await fillQueue(dbs.url, queues[name], count);
  }
  // The fills also wrote a CREATED event per task: vacuumed and analyzed now, not by autovacuum
  // in the middle of the first scenario.
  await vacuumAnalyze(dbs.admin);
  await vacuumAnalyze(dbs.admin, 'task_events');

  const ctx: BenchContext = {
    opts,
    dbs,
    token: await tokens.mint(OWNER, '4h'),
    floor: null,
    queues,
    async server(kind) {
      if (current?.kind === kind) return current;
      await ctx.stopServer();
      progress(`   starting ${kind === 'app' ? 'our server' : 'the bare yoga server'} (${opts.servers === 'child' ? 'child process' : 'in process'})`);
      current = await startServer(kind, { databaseUrl: dbs.url, jwtSecret, mode: opts.servers });
      serversUsed.set(kind, current.where.replace(/ \d+ /, ' '));
      return current;
    },
    async stopServer() {
      const running = current;
      current = undefined;
      await running?.stop();
    },
  };

  const withTimeout = <T>(p: Promise<T>) =>
    Promise.race([
      p,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${SCENARIO_TIMEOUT_MS / 60_000} min`)), SCENARIO_TIMEOUT_MS).unref()),
    ]);
  const summary = (r: Result) =>
    r.skipped
      ? `skipped: ${r.skipped}`
      : r.failed
        ? `FAILED: ${r.failed}`
        : r.p50 !== undefined
          ? `p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99!.toFixed(2)} ms`
          : `${fmt(r.value ?? NaN, r.unit === 'ratio' ? 2 : 0)} ${r.unit}${r.ratio != null && r.unit !== 'ratio' ? ` (${r.ratio.toFixed(2)} × floor)` : ''}${r.verified ? `, ${r.verified}` : ''}`;

  // PostgreSQL's CPU per task of each throughput row (when the cluster runs on this machine).
  const pgCpu = await postgresCpu(dbs.admin);
  async function scenario(name: string, description: string, run: () => Promise<Result | Result[]>): Promise<Result[]> {
    progress(`▶ ${name}: ${description}`);
    let out: Result[];
    try {
      const cpuBefore = pgCpu?.();
      const r = await withTimeout(run());
      out = Array.isArray(r) ? r : [r];
      const cpuMs = pgCpu && cpuBefore !== undefined ? pgCpu() - cpuBefore : null;
      const row = out[0]!;
      if (cpuMs !== null && out.length === 1 && row.n && /\/s$/.test(row.unit)) {
        // Includes warm-up and checks of the scenario: an upper bound, comparable across rows.
        const perTask = (cpuMs * 1000) / row.n;
        row.extra = { ...row.extra, postgresCpuUsPerTask: Math.round(perTask) };
        row.detail = `${row.detail ? `${row.detail}; ` : ''}PostgreSQL CPU ${fmt(perTask)} µs per ${row.unit.startsWith('cycles') ? 'cycle' : 'task'}`;
      }
    } catch (err) {
      out = [{ name, label: name, value: null, unit: '', failed: err instanceof Error ? err.message : typeof err === 'object' ? JSON.stringify(err) : String(err) }];
    }
    for (const r of out) {
      if (r.failed) failures++;
      progress(`■ ${r.name}: ${summary(r)}`);
    }
    results.push(...out);
    return out;
  }

  // The floor: pgbench when it is installed (or asked for), else node pg; with pgbench the node
  // figure is shown too, as what a Node client alone can drive.
  const pgbench = opts.floor === 'node' ? null : pgbenchVersion();
  if (opts.floor === 'pgbench' && !pgbench) throw new Error('--floor pgbench: pgbench not found on PATH');
  const measureFloor = () =>
    pgbench ? floorWithPgbench(dbs.floorUrl, opts.floorClients, opts.floorCycles) : floorWithNode(dbs.floorUrl, opts.floorClients, opts.floorCycles);
  const floorRow = (name: string, label: string, f: FloorRun, detail = ''): Result => ({
    name,
    label,
    value: f.perSecond,
    unit: 'cycles/s',
    ratio: ctx.floor ? f.perSecond / ctx.floor : 1,
    n: f.cycles,
    seconds: f.seconds,
    verified: f.verified.text,
    ...(f.verified.ok ? {} : { failed: f.verified.text }),
    detail: detail || 'trigger-free table in a scratch database, 2 autocommit statements per cycle',
  });
  const floorLabel = (how: string) => `floor: ${how}, ${opts.floorClients} clients`;
  const [floor] = await scenario('floor', `bare claim + complete on a trigger-free table, ${fmt(opts.floorCycles)} cycles`, async () =>
    floorRow('floor', floorLabel(pgbench ? 'pgbench' : 'node pg'), await measureFloor()),
  );
  ctx.floor = floor && !floor.failed ? floor.value : null;
  const firstFloor = ctx.floor;
  if (pgbench) {
    await scenario('floor-node', 'the same floor driven by node pg clients in this process', async () =>
      floorRow('floor-node', floorLabel('node pg (bench process)'), await floorWithNode(dbs.floorUrl, opts.floorClients, opts.floorCycles)),
    );
  }

  const throughput: [ScenarioName, string, () => Promise<Result | Result[]>][] = [
    ['sql', `domain dequeue + complete, ${opts.agents} agents, ${fmt(opts.tasks)} tasks`, () => sqlPath(ctx)],
    ['bare-yoga', `bare graphql-yoga + pg over HTTP, ${opts.agents} agents, ${fmt(opts.tasks)} tasks`, () => bareYoga(ctx)],
    ['graphql', `dequeueTask + completeTask over HTTP, ${opts.agents} agents, ${fmt(opts.tasks)} tasks`, () => graphql(ctx)],
    ['rest', `REST dequeue + complete, ${opts.agents} agents, ${fmt(opts.tasks)} tasks`, () => rest(ctx)],
    ['batch', `dequeueTasks(${opts.batchSize}) + completeTasks, ${opts.batchAgents} agents, ${fmt(opts.batchTasks)} tasks`, () => batch(ctx)],
  ];
  const latency: [ScenarioName, string, () => Promise<Result | Result[]>][] = [
    ['push', `enqueue → websocket event, ${fmt(opts.samples)} samples`, () => push(ctx)],
    ['long-poll', `enqueue → long-poll answer, ${fmt(opts.samples)} samples`, () => longPoll(ctx)],
    ['depth', `dequeue latency at ${fmt(opts.shallow)} and ${fmt(opts.deep)} pending, ${fmt(opts.depthSamples)} samples each`, () => depth(ctx)],
    ['rss', `server RSS with ${fmt(opts.subscribers)} idle websocket subscribers`, () => rss(ctx)],
  ];
  for (const [name, description, run] of throughput) {
    if (!opts.run.has(name)) continue;
    if (opts.floorEach && firstFloor) {
      // On a machine with other work, the floor right before each scenario is its denominator.
      progress(`   floor again before ${name}`);
      const f = await measureFloor().catch(() => null);
      ctx.floor = f?.verified.ok ? f.perSecond : firstFloor;
    }
    const out = await scenario(name, description, run);
    if (opts.floorEach && firstFloor) {
      for (const r of out) {
        r.detail = [r.detail, `÷ the floor measured just before it: ${fmt(ctx.floor!)} cycles/s`].filter(Boolean).join('; ');
        r.extra = { ...r.extra, floor: ctx.floor };
      }
    }
  }
  ctx.floor = firstFloor;
  await ctx.stopServer();

  // The floor once more right after the throughput scenarios: how far it moved while they ran
  // (other work on the machine, autovacuum, checkpoints); their ratios are no steadier than that.
  if (firstFloor && [...opts.run].some((n) => throughput.some(([t]) => t === n))) {
    await scenario('floor-after', 'the floor again, after the throughput scenarios', async () => {
      const f = await measureFloor();
      const drift = ((f.perSecond / firstFloor - 1) * 100).toFixed(0);
      return floorRow('floor-after', 'floor again, after a–e', f, `${Number(drift) >= 0 ? '+' : ''}${drift}% against the first floor`);
    });
  }

  for (const [name, description, run] of latency) {
    if (!opts.run.has(name)) continue;
    // Each latency scenario starts on a settled database: the dead rows of the scenarios before it
    // vacuumed and their dirty pages written out now, not by autovacuum or a checkpoint while it
    // times single round trips (right after the throughput scenarios the disk was seen 40 % busy
    // with them, and the p50s twice those of a run of the latency scenarios alone).
    await settle(dbs.admin);
    await scenario(name, description, run);
  }
  await ctx.stopServer();

  // Letters in order; derived ratios under the rows they come from.
  const ORDER = ['floor', 'floor-node', 'sql', 'graphql', 'rest', 'bare-yoga', 'batch', 'floor-after', 'push', 'long-poll', 'depth-before', 'depth-shallow', 'depth-deep', 'depth-ratio', 'rss'];
  const rank = (r: Result) => {
    const i = ORDER.indexOf(r.name);
    return i < 0 ? ORDER.length : i;
  };
  const derived = derivedRatios(results);
  const ordered = results.sort((a, b) => rank(a) - rank(b));
  const lastSingle = ordered.findLastIndex((r) => ['graphql', 'rest', 'bare-yoga'].includes(r.name));
  ordered.splice(lastSingle + 1, 0, ...derived);
  for (const r of derived) if (r.target && !r.target.met) progress(`■ ${r.name}: ${r.value!.toFixed(2)} (target ${r.target.text} missed)`);

  const servers = [...serversUsed].map(([kind, where]) => `${kind === 'app' ? 'our server' : 'bare yoga'}: ${where}`).join('; ');
  const header = [
    `Agent Teams benchmark — ${new Date().toISOString()}`,
    `machine      ${machine}`,
    `node         ${process.version}`,
    `database     ${postgres}; ${dbs.where}`,
    `servers      ${servers || 'none started'}`,
    `load         this process: undici keep-alive pool (one connection per agent), graphql-ws over ws`,
    `floor        ${ctx.floor ? `${fmt(ctx.floor)} cycles/s` : 'not measured'} (${pgbench ? `pgbench ${pgbench}, -M prepared` : 'node pg, named prepared statements'}, ${opts.floorClients} clients): every "÷ floor" divides by it`,
    `machine load 1-min load average ${loadAtStart.toFixed(1)} when the bench started (${os.loadavg()[0]!.toFixed(1)} at the end, this bench included)${
      loadAtStart >= 1 ? ' — other work was running on the machine: the figures are noisy' : ''
    }`,
    `counts       ${fmt(opts.tasks)} tasks per single-cycle scenario, ${opts.agents} agents, ${fmt(opts.warmup)} warm-up cycles; batch ${fmt(opts.batchTasks)}; ${fmt(opts.samples)} latency samples; depth ${fmt(opts.depthSamples)} samples`,
  ];
  if (opts.json) {
    console.log(
      JSON.stringify({ name: 'environment', machine, loadAverage: { start: loadAtStart, end: os.loadavg()[0] }, node: process.version, postgres, database: dbs.where, servers: Object.fromEntries(serversUsed), floor: ctx.floor }),
    );
    for (const r of ordered) console.log(jsonLine(r));
  } else {
    console.log(`\n${renderTable(header, ordered)}\n`);
  }
} catch (err) {
  failures++;
  console.error(err);
} finally {
  await current?.stop().catch(() => {});
  await dbs.cleanup();
}
process.exit(failures ? 1 : 0);
