import type { RetryBackoff as Backoff } from '../../queues/validation.js';
import { builder } from '../builder.js';

export const RetryBackoff = builder.objectRef<Partial<Backoff>>('RetryBackoff').implement({
  description:
    'The delay before attempt n+1 after a retried failure or a lost lease: min(maxSeconds, initialSeconds × factor^(n−1)), shortened by up to `jitter` (0–1) of it at random.',
  fields: (t) => ({
    initialSeconds: t.int({ nullable: true, resolve: (b) => b.initialSeconds ?? null }),
    factor: t.float({ nullable: true, resolve: (b) => b.factor ?? null }),
    maxSeconds: t.int({ nullable: true, resolve: (b) => b.maxSeconds ?? null }),
    jitter: t.float({ nullable: true, resolve: (b) => b.jitter ?? null }),
  }),
});

export const RetryBackoffInput = builder.inputType('RetryBackoffInput', {
  description: 'Omitted keys keep their defaults (queue: 10 s × 2 up to 3600 s, jitter 0.2; task: the queue’s).',
  fields: (t) => ({
    initialSeconds: t.int({ description: 'Delay after the first attempt, 0–86400 (0: retry at once).' }),
    factor: t.float({ description: 'Growth per attempt, 1–10.' }),
    maxSeconds: t.int({ description: 'Cap on the delay, 0–604800.' }),
    jitter: t.float({ description: 'Fraction of the delay taken off at random, 0–1.' }),
  }),
});
