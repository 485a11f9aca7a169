import { Histogram } from 'prom-client';
import { registry } from './registry.js';

/**
 * How long committed events took to reach this instance's subscribers: from the event row's
 * `created_at` (the changing transaction's start, on the database's clock) to its publication
 * on this instance's bus. Rows the tailer replays at boot are not counted.
 */
export const deliveryLag = new Histogram({
  name: 'agent_teams_event_delivery_lag_seconds',
  help: 'Time from an event row being written (its transaction start) to its delivery to subscribers on this instance, by log (tasks, teams, messages).',
  labelNames: ['log'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});
