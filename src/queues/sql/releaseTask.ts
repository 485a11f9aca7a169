import type { Tx } from '../../db/tx.js';
import type { TaskRow } from './taskColumns.js';

/**
 * Undoes a claim nobody will act on (the long-polling client left while it ran): the task goes
 * back to PENDING without the attempt counting, if it is still under that very lease.
 */
export async function releaseTask(db: Tx, task: Pick<TaskRow, 'id' | 'leaseToken'>): Promise<void> {
  await db.$executeRaw`
    UPDATE tasks
    SET status = 'PENDING', attempts = attempts - 1, assigned_agent_id = NULL, assigned_at = NULL,
        lease_token = NULL, lease_expires_at = NULL
    WHERE id = ${task.id} AND status = 'ASSIGNED' AND lease_token = ${task.leaseToken}`;
}
