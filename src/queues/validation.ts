import { z } from 'zod';
import { intBetween, jsonObject, text } from '../validation.js';

// Input rules, defined once: the GraphQL layer validates arguments with these schemas (and the
// REST shim goes through GraphQL), so the services receive checked, typed input.
export const MAX_PAYLOAD_BYTES = 64 * 1024;
export const MAX_BATCH = 500;
export const MAX_WAIT_SECONDS = 30;

export const idSchema = text(64);
export const agentIdSchema = text(128);

export const queueInputSchema = z.object({
  name: text(200),
  teamId: text(128).nullish(),
  visibilityTimeoutSeconds: intBetween(1, 86_400).nullish(),
  maxAttempts: intBetween(1, 100).nullish(),
});

export const taskInputSchema = z.object({
  name: text(500),
  priority: intBetween(1, 5).nullish(),
  payload: jsonObject(MAX_PAYLOAD_BYTES).nullish(),
  deadline: z.date().nullish(),
  idempotencyKey: text(200).nullish(),
  maxAttempts: intBetween(1, 100).nullish(),
});

export const taskBatchSchema = z
  .array(taskInputSchema)
  .min(1, 'must contain at least one task')
  .max(MAX_BATCH, `must contain at most ${MAX_BATCH} tasks`);

export const resultSchema = jsonObject(MAX_PAYLOAD_BYTES);
export const errorTextSchema = text(10_000);
export const leaseTokenSchema = text(64);
export const waitSecondsSchema = intBetween(0, MAX_WAIT_SECONDS);
export const extendSecondsSchema = intBetween(1, 86_400);

export type QueueInput = z.infer<typeof queueInputSchema>;
export type TaskInput = z.infer<typeof taskInputSchema>;
