import { Histogram } from 'prom-client';
import { registry } from './registry.js';

export const httpRequests = new Histogram({
  name: 'agent_teams_http_request_duration_seconds',
  help: 'HTTP requests answered by this instance: duration by method, route (REST pattern, /graphql, …), GraphQL operation and status.',
  labelNames: ['method', 'route', 'operation', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

/** Distinct operation labels kept before the rest are reported as `other` (clients choose them). */
const MAX_OPERATIONS = 200;
const seen = new Set<string>();

/** A bounded label for a GraphQL operation: beyond MAX_OPERATIONS distinct ones, `other`. */
export function operationLabel(operation: string | undefined): string {
  if (!operation) return '';
  if (seen.has(operation)) return operation;
  if (seen.size >= MAX_OPERATIONS) return 'other';
  seen.add(operation);
  return operation;
}
