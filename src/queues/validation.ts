import { z } from 'zod';
import { intBetween, jsonBytes, jsonObject, jsonProblem, text, timestamp } from '../validation.js';

// Input rules of the queue services, defined once: the services parse their input with these
// (parseInput), so GraphQL, the REST shim and any other caller get the same rules and messages.
export const MAX_PAYLOAD_BYTES = 64 * 1024;
export const MAX_BATCH = 500;
export const MAX_CLAIM_BATCH = 100;
export const MAX_WAIT_SECONDS = 30;
/** A whole batch argument as JSON: it fits a request body (MAX_BODY_BYTES) with room to spare, whatever the transport. */
export const MAX_BATCH_BYTES = 8 * 1024 * 1024;

export const idSchema = text(64);
export const agentIdSchema = text(128);
export const leaseTokenSchema = text(64);
export const errorTextSchema = text(10_000);
export const resultSchema = jsonObject(MAX_PAYLOAD_BYTES);

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
  deadline: timestamp().nullish(),
  idempotencyKey: text(200).nullish(),
  maxAttempts: intBetween(1, 100).nullish(),
});

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

export const completeItemSchema = z.object({ ...leaseFields, result: resultSchema.nullish() });
export const failItemSchema = z.object({ ...leaseFields, error: errorTextSchema, retry: z.boolean().nullish() });
export const heartbeatSchema = z.object({ ...leaseFields, extendSeconds: intBetween(1, 86_400).nullish() });
export const completeBatchSchema = batchOf(completeItemSchema);
export const failBatchSchema = batchOf(failItemSchema);

export type QueueInput = z.input<typeof queueInputSchema>;
export type TaskInput = z.input<typeof taskInputSchema>;
export type ClaimInput = z.input<typeof claimSchema>;
export type CompleteItemInput = z.input<typeof completeItemSchema>;
export type FailItemInput = z.input<typeof failItemSchema>;
export type HeartbeatInput = z.input<typeof heartbeatSchema>;
