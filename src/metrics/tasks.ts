import { Counter, Gauge, Histogram } from 'prom-client';
import { registry, sources } from './registry.js';

// Task metrics. Transitions are counted by each instance's event tailer for every task event it
// delivers, so every instance counts every transition (including the sweeper's and the
// database triggers'): aggregate them with max, not sum, across instances. Wait and run times
// are observed by the instance that ran the claim or the finish: sum them across instances.

export const taskTransitions = new Counter({
  name: 'agent_teams_task_transitions_total',
  help: 'Task state changes delivered by this instance, by task event (created, assigned, stolen, completed, failed, expired, cancelled, requeued).',
  labelNames: ['event'] as const,
  registers: [registry],
});

const DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 14_400, 86_400];

export const taskWait = new Histogram({
  name: 'agent_teams_task_wait_seconds',
  help: 'Time from enqueue to claim (dequeue or steal) of the tasks this instance handed out.',
  buckets: DURATION_BUCKETS,
  registers: [registry],
});

export const taskRun = new Histogram({
  name: 'agent_teams_task_run_seconds',
  help: 'Time from claim to complete or fail of the tasks this instance finished, by outcome.',
  labelNames: ['outcome'] as const,
  buckets: DURATION_BUCKETS,
  registers: [registry],
});

const seconds = (from: Date, to: Date) => Math.max(to.getTime() - from.getTime(), 0) / 1000;

/** Tasks just claimed: their wait since enqueue (both times are the database's). */
export function observeClaimed(tasks: ReadonlyArray<{ createdAt: Date; assignedAt: Date | null }>) {
  for (const t of tasks) if (t.assignedAt) taskWait.observe(seconds(t.createdAt, t.assignedAt));
}

/** Tasks just completed or failed: their run since the claim. A retried failure has no finish yet. */
export function observeFinished(tasks: ReadonlyArray<{ status: string; assignedAt: Date | null; finishedAt: Date | null } | null>) {
  for (const t of tasks) {
    if (t?.assignedAt && t.finishedAt) taskRun.observe({ outcome: t.status.toLowerCase() }, seconds(t.assignedAt, t.finishedAt));
  }
}

/** A count of live tasks of one queue in one status, as read from the database. */
export interface QueueCount {
  queueId: string;
  queueName: string;
  status: string;
  count: number;
}

const queueCounts = sources<() => Promise<QueueCount[]>>();
/** While registered, scrapes read the task counts through `read` (one grouped query). */
export const watchQueueCounts = queueCounts.add;

/**
 * One read of every registered source per scrape: the registry collects its metrics
 * concurrently, and both gauges below wait for the same read.
 */
let reading: Promise<{ counts: QueueCount[]; up: boolean }> | undefined;
function readCounts() {
  reading ??= (async () => {
    const counts: QueueCount[] = [];
    let up = true;
    for (const read of queueCounts.all()) {
      try {
        counts.push(...(await read()));
      } catch {
        up = false;
      }
    }
    return { counts, up };
  })().finally(() => (reading = undefined));
  return reading;
}

new Gauge({
  name: 'agent_teams_tasks',
  help: 'Tasks waiting (pending) or running (assigned) per queue, read from the database at scrape time; the same on every instance. Finished tasks are counted by agent_teams_task_transitions_total.',
  labelNames: ['queue', 'queue_name', 'status'] as const,
  registers: [registry],
  async collect() {
    const { counts } = await readCounts();
    this.reset();
    for (const c of counts) this.set({ queue: c.queueId, queue_name: c.queueName, status: c.status }, c.count);
  },
});

new Gauge({
  name: 'agent_teams_database_up',
  help: '1 when this scrape could read the task counts from the database, else 0.',
  registers: [registry],
  async collect() {
    this.set((await readCounts()).up ? 1 : 0);
  },
});
