import { z } from 'zod';
import { intBetween, jsonBytes, jsonObject, jsonProblem, numberBetween, text, timestamp } from '../validation.js';

// Input rules of the queue services, defined once: the services parse their input with these
// (parseInput), so GraphQL, the REST shim and any other caller get the same rules and messages.
export const MAX_PAYLOAD_BYTES = 64 * 1024;
export const MAX_BATCH = 500;
export const MAX_CLAIM_BATCH = 100;
export const MAX_WAIT_SECONDS = 30;
export const MAX_DELAY_SECONDS = 366 * 86_400;
export const MAX_DEPENDENCIES = 100;
/** A whole batch argument as JSON: it fits a request body (MAX_BODY_BYTES) with room to spare, whatever the transport. */
export const MAX_BATCH_BYTES = 8 * 1024 * 1024;

export const idSchema = text(64);
export const agentIdSchema = text(128);
export const leaseTokenSchema = text(64);
export const errorTextSchema = text(10_000);
export const resultSchema = jsonObject(MAX_PAYLOAD_BYTES);

/** The delay before attempt n+1: min(maxSeconds, initialSeconds × factor^(n−1)), less up to `jitter` of it. */
export const DEFAULT_RETRY_BACKOFF = { initialSeconds: 10, factor: 2, maxSeconds: 3600, jitter: 0.2 };
export const retryBackoffSchema = z.object({
  initialSeconds: intBetween(0, 86_400).nullish(),
  factor: numberBetween(1, 10).nullish(),
  maxSeconds: intBetween(0, 604_800).nullish(),
  jitter: numberBetween(0, 1).nullish(),
});
export type RetryBackoff = typeof DEFAULT_RETRY_BACKOFF;
export type RetryBackoffInput = z.input<typeof retryBackoffSchema>;

/** Only the keys given (nulls dropped): a task's overrides, or a queue's changes to the defaults. */
export const givenKeys = (b: RetryBackoffInput | null | undefined): Partial<RetryBackoff> =>
  Object.fromEntries(Object.entries(b ?? {}).filter(([, v]) => v != null)) as Partial<RetryBackoff>;

export const queueInputSchema = z.object({
  name: text(200),
  teamId: text(128).nullish(),
  visibilityTimeoutSeconds: intBetween(1, 86_400).nullish(),
  maxAttempts: intBetween(1, 100).nullish(),
  retryBackoff: retryBackoffSchema.nullish(),
});

export const taskInputSchema = z.object({
  name: text(500),
  priority: intBetween(1, 5).nullish(),
  payload: jsonObject(MAX_PAYLOAD_BYTES).nullish(),
  deadline: timestamp().nullish(),
  idempotencyKey: text(200).nullish(),
  maxAttempts: intBetween(1, 100).nullish(),
  retryBackoff: retryBackoffSchema.nullish(),
  runAt: timestamp().nullish(),
  delaySeconds: intBetween(0, MAX_DELAY_SECONDS).nullish(),
  dependsOn: z.array(idSchema).max(MAX_DEPENDENCIES, `must list at most ${MAX_DEPENDENCIES} tasks`).nullish(),
}).refine((t) => t.runAt == null || t.delaySeconds == null, { message: 'pass runAt or delaySeconds, not both', path: ['delaySeconds'] });

/** The batch as a whole stays under MAX_BATCH_BYTES (each item was checked on its own first). */
const boundedBatch = (items: unknown[], ctx: z.RefinementCtx) => {
  if (!jsonProblem(items) && jsonBytes(items) > MAX_BATCH_BYTES) {
    ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_BATCH_BYTES} bytes as JSON in total (${MAX_BATCH_BYTES / 1024 / 1024} MiB)` });
  }
};

export const taskBatchSchema = z
  .array(taskInputSchema)
  .min(1, 'must contain at least one task')
  .max(MAX_BATCH, `must contain at most ${MAX_BATCH} tasks`)
  .superRefine(boundedBatch);

export const claimSchema = z.object({
  queueId: idSchema,
  agentId: agentIdSchema,
  limit: intBetween(1, MAX_CLAIM_BATCH).nullish(),
  waitSeconds: intBetween(0, MAX_WAIT_SECONDS).nullish(),
});

const leaseFields = { id: idSchema, leaseToken: leaseTokenSchema.nullish(), agentId: agentIdSchema.nullish() };

/** Items of a batch name each task once: a task cannot be completed twice in one call. */
const uniqueIds = <T extends { id: string }>(items: T[], ctx: z.RefinementCtx) => {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `repeats task ${item.id}` });
    seen.add(item.id);
  });
};
const batchOf = <T extends z.ZodType<{ id: string }>>(item: T) =>
  z
    .array(item)
    .min(1, 'must contain at least one item')
    .max(MAX_BATCH, `must contain at most ${MAX_BATCH} items`)
    .superRefine(uniqueIds)
    .superRefine(boundedBatch);

/** The largest cost one report or one budget limit may name: sums of them stay exact enough and finite. */
export const MAX_COST = 1e12;
/** What an attempt cost, in the user's units (dollars, tokens): finite, not negative. */
export const costSchema = z
  .number('must be a finite number')
  .min(0, 'must not be negative')
  .max(MAX_COST, `must be at most ${MAX_COST}`);

export const completeItemSchema = z.object({ ...leaseFields, result: resultSchema.nullish(), cost: costSchema.nullish() });
export const failItemSchema = z.object({ ...leaseFields, error: errorTextSchema, retry: z.boolean().nullish(), cost: costSchema.nullish() });
export const heartbeatSchema = z.object({ ...leaseFields, extendSeconds: intBetween(1, 86_400).nullish() });
export const cancelSchema = z.object({ id: idSchema, reason: text(2_000).nullish() });
export const retryTaskSchema = z.object({ id: idSchema, resetAttempts: z.boolean().nullish() });
export const retryQueueSchema = z.object({
  queueId: idSchema,
  status: z.enum(['FAILED', 'CANCELLED', 'EXPIRED'], 'must be FAILED, CANCELLED or EXPIRED').nullish(),
  resetAttempts: z.boolean().nullish(),
});
export const scheduleInputSchema = z.object({
  queueId: idSchema,
  cron: text(200),
  timezone: text(64).nullish(),
  task: z.object({
    name: text(500),
    priority: intBetween(1, 5).nullish(),
    payload: jsonObject(MAX_PAYLOAD_BYTES).nullish(),
    maxAttempts: intBetween(1, 100).nullish(),
    retryBackoff: retryBackoffSchema.nullish(),
  }),
});
export const requestInputSchema = z.object({
  id: idSchema,
  leaseToken: leaseTokenSchema,
  agentId: agentIdSchema.nullish(),
  request: jsonObject(MAX_PAYLOAD_BYTES),
});
export const provideInputSchema = z.object({ id: idSchema, response: jsonObject(MAX_PAYLOAD_BYTES) });
export const completeBatchSchema = batchOf(completeItemSchema);
export const failBatchSchema = batchOf(failItemSchema);

export type QueueInput = z.input<typeof queueInputSchema>;
export type TaskInput = z.input<typeof taskInputSchema>;
export type ClaimInput = z.input<typeof claimSchema>;
export type CompleteItemInput = z.input<typeof completeItemSchema>;
export type FailItemInput = z.input<typeof failItemSchema>;
export type RetryTaskInput = z.input<typeof retryTaskSchema>;
export type RetryQueueInput = z.input<typeof retryQueueSchema>;
export type ScheduleInput = z.input<typeof scheduleInputSchema>;
export type RequestInputInput = z.input<typeof requestInputSchema>;
export type ProvideInputInput = z.input<typeof provideInputSchema>;
export type CancelInput = z.input<typeof cancelSchema>;
export type HeartbeatInput = z.input<typeof heartbeatSchema>;
