import { Counter } from 'prom-client';
import { registry } from './registry.js';

export const rateLimited = new Counter({
  name: 'agent_teams_rate_limited_total',
  help: 'Requests, long polls, subscriptions and websockets refused by a rate limit on this instance, by limit and by whose limit it was.',
  labelNames: ['limit', 'principal'] as const,
  registers: [registry],
});
