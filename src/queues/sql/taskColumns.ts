import type { Task } from '../../generated/prisma/client.js';

/** Hand-written statements answer tasks in the Prisma model's shape, so GraphQL treats them like ORM rows. */
export const taskColumns = (t: string) => `
  ${t}.id, ${t}.seq, ${t}.queue_id AS "queueId", ${t}.name, ${t}.priority, ${t}.payload, ${t}.status, ${t}.deadline,
  ${t}.idempotency_key AS "idempotencyKey", ${t}.assigned_agent_id AS "assignedAgentId",
  ${t}.lease_token AS "leaseToken", ${t}.lease_expires_at AS "leaseExpiresAt", ${t}.attempts,
  ${t}.max_attempts AS "maxAttempts", ${t}.run_at AS "runAt", ${t}.retry_backoff AS "retryBackoff", ${t}.exhausted,
  ${t}.input_request AS "inputRequest", ${t}.input_requested_at AS "inputRequestedAt", ${t}.input_response AS "inputResponse", ${t}.result, ${t}.error, ${t}.cost, ${t}.stolen_by_queue_id AS "stolenByQueueId",
  ${t}.stolen_at AS "stolenAt", ${t}.reserved_for AS "reservedFor", ${t}.dispatch_id AS "dispatchId",
  ${t}.max_runtime_seconds AS "maxRuntimeSeconds", ${t}.created_at AS "createdAt",
  ${t}.assigned_at AS "assignedAt", ${t}.finished_at AS "finishedAt"`;

export type TaskRow = Task;

/** Hand-out order: priority descending, then insertion order. */
export const byHandOutOrder = (a: TaskRow, b: TaskRow) => b.priority - a.priority || (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0);
