import { z } from 'zod';

// Input rules, defined once: the GraphQL layer validates arguments with these schemas (and the
// REST shim goes through GraphQL), so the services receive checked, typed input.
export const MAX_PAYLOAD_BYTES = 64 * 1024;
export const MAX_BATCH = 500;
export const MAX_WAIT_SECONDS = 30;
export const MAX_PAGE_SIZE = 100;

const text = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => s.trim().length > 0, 'must not be empty');

export const idSchema = z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters');
export const agentIdSchema = text(128);

const jsonObject = z
  .custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'must be a JSON object')
  .refine((v) => Buffer.byteLength(JSON.stringify(v)) <= MAX_PAYLOAD_BYTES, {
    message: `must be at most ${MAX_PAYLOAD_BYTES} bytes as JSON`,
  });

export const queueInputSchema = z.object({
  name: text(200),
  teamId: text(128).nullish(),
  visibilityTimeoutSeconds: z.number().int().min(1, 'must be between 1 and 86400').max(86_400, 'must be between 1 and 86400').nullish(),
  maxAttempts: z.number().int().min(1, 'must be between 1 and 100').max(100, 'must be between 1 and 100').nullish(),
});

export const taskInputSchema = z.object({
  name: text(500),
  priority: z.number().int().min(1, 'must be between 1 and 5').max(5, 'must be between 1 and 5').nullish(),
  payload: jsonObject.nullish(),
  deadline: z.date().nullish(),
  idempotencyKey: text(200).nullish(),
  maxAttempts: z.number().int().min(1, 'must be between 1 and 100').max(100, 'must be between 1 and 100').nullish(),
});

export const taskBatchSchema = z
  .array(taskInputSchema)
  .min(1, 'must contain at least one task')
  .max(MAX_BATCH, `must contain at most ${MAX_BATCH} tasks`);

export const resultSchema = jsonObject;
export const errorTextSchema = text(10_000);
export const waitSecondsSchema = z.number().int().min(0, `must be between 0 and ${MAX_WAIT_SECONDS}`).max(MAX_WAIT_SECONDS, `must be between 0 and ${MAX_WAIT_SECONDS}`);
export const extendSecondsSchema = z.number().int().min(1, 'must be between 1 and 86400').max(86_400, 'must be between 1 and 86400');

export type QueueInput = z.infer<typeof queueInputSchema>;
export type TaskInput = z.infer<typeof taskInputSchema>;
