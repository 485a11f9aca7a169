import { Command, Option } from 'commander';

/** Scenario names, in the order they run (for --only / --skip). */
export const SCENARIOS = ['floor', 'sql', 'bare-yoga', 'graphql', 'rest', 'batch', 'push', 'long-poll', 'depth', 'rss'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface Options {
  /** Tasks drained per single-cycle throughput scenario (sql, graphql, rest, bare-yoga). */
  tasks: number;
  agents: number;
  /** Warm-up cycles before each HTTP throughput scenario (not measured). */
  warmup: number;
  floorCycles: number;
  floorClients: number;
  floor: 'auto' | 'pgbench' | 'node';
  floorEach: boolean;
  batchTasks: number;
  batchSize: number;
  batchAgents: number;
  /** Sequential samples per latency scenario (push, long-poll). */
  samples: number;
  depthSamples: number;
  shallow: number;
  deep: number;
  subscribers: number;
  servers: 'child' | 'inprocess';
  json: boolean;
  run: Set<ScenarioName>;
}

const int = (v: string) => {
  const n = Number(v.replaceAll('_', ''));
  if (!Number.isFinite(n) || n < 0) throw new Error(`not a count: ${v}`);
  return n;
};

export function parseOptions(argv = process.argv): Options {
  const o = new Command('npm run bench --')
    .description(
      'Throughput, latency and memory of Agent Teams against the bare-SQL floor, measured in one run.\n' +
        'Uses an embedded PostgreSQL unless DATABASE_URL is set (then scratch databases are created and dropped there).',
    )
    .option('--scale <x>', 'multiply every count below (0.1 = a quick smoke run, 2 = longer and steadier)', '1')
    .option('--tasks <n>', 'tasks drained per single-cycle throughput scenario', '12000')
    .option('--agents <n>', 'concurrent agents in the throughput scenarios', '32')
    .option('--warmup <n>', 'unmeasured cycles before each throughput scenario', '1000')
    .option('--floor-cycles <n>', 'claim+complete cycles of the bare-table floor', '20000')
    .option('--floor-clients <n>', 'concurrent clients of the floor', '16')
    .addOption(new Option('--floor <how>', 'what drives the floor: pgbench when found, else node pg').choices(['auto', 'pgbench', 'node']).default('auto'))
    .option('--floor-each', 'measure the floor again right before each throughput scenario and divide by that one (for busy machines)')
    .option('--batch-tasks <n>', 'tasks drained by the batch scenario', '20000')
    .option('--batch-size <n>', 'dequeueTasks limit (1–100)', '100')
    .option('--batch-agents <n>', 'concurrent agents in the batch scenario', '8')
    .option('--samples <n>', 'sequential samples per push-latency scenario', '1000')
    .option('--depth-samples <n>', 'sequential dequeue+complete samples at each queue depth', '1000')
    .option('--shallow <n>', 'pending tasks for the shallow queue-depth measurement', '1000')
    .option('--deep <n>', 'pending tasks for the deep queue-depth measurement', '1000000')
    .option('--subscribers <n>', 'idle websocket subscribers for the RSS scenario', '10000')
    .addOption(new Option('--servers <where>', 'run the servers under test in child processes or in the bench process').choices(['child', 'inprocess']).default('child'))
    .option('--only <list>', `comma-separated scenarios to run: ${SCENARIOS.join(', ')} (the floor always runs)`)
    .option('--skip <list>', 'comma-separated scenarios to leave out')
    .option('--json', 'one JSON line per scenario on stdout instead of the table')
    .parse(argv)
    .opts<Record<string, string | boolean | undefined>>();

  const scale = Number(o.scale);
  if (!(scale > 0)) throw new Error('--scale must be positive');
  const scaled = (key: string, min = 1) => Math.max(min, Math.round(int(String(o[key])) * scale));
  const names = (list: unknown) => {
    const out = String(list ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    for (const n of out) if (!(SCENARIOS as readonly string[]).includes(n)) throw new Error(`unknown scenario ${n}; known: ${SCENARIOS.join(', ')}`);
    return out as ScenarioName[];
  };
  const only = names(o.only);
  const skip = new Set(names(o.skip));
  const chosen: ScenarioName[] = only.length ? ['floor', ...only] : [...SCENARIOS];
  const run = new Set(chosen.filter((s) => s === 'floor' || !skip.has(s)));

  return {
    tasks: scaled('tasks'),
    agents: int(String(o.agents)),
    warmup: scaled('warmup', 0),
    floorCycles: scaled('floorCycles'),
    floorClients: int(String(o.floorClients)),
    floor: o.floor as Options['floor'],
    floorEach: Boolean(o.floorEach),
    batchTasks: scaled('batchTasks'),
    batchSize: Math.min(100, Math.max(1, int(String(o.batchSize)))),
    batchAgents: int(String(o.batchAgents)),
    samples: scaled('samples'),
    depthSamples: scaled('depthSamples'),
    shallow: scaled('shallow'),
    deep: scaled('deep'),
    subscribers: scaled('subscribers'),
    servers: o.servers as Options['servers'],
    json: Boolean(o.json),
    run,
  };
}
