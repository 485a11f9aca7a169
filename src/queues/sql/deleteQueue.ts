import { statement } from '../../db/statement.js';

/**
 * Marks the owner's live queue deleted (kept for its tasks' history). The row lock orders this
 * against concurrent enqueues, which share-lock the queue.
 */
export const markQueueDeleted = statement<{ ownerId: string; queueId: string }, { id: string }>(
  'queues_mark_deleted',
  `UPDATE work_queues SET deleted_at = now() WHERE id = $2 AND owner_id = $1 AND deleted_at IS NULL RETURNING id`,
  (p) => [p.ownerId, p.queueId],
);
