import type { Db } from '../db/client.js';
import { parseInput } from '../validation.js';
import { outcomeOf, single } from './finish.js';
import { provideInput as provideStatement, requestInput as requestStatement } from './sql/requestInput.js';
import type { TaskRow } from './sql/taskColumns.js';
import { provideInputSchema, requestInputSchema, type ProvideInputInput, type RequestInputInput } from './validation.js';

/**
 * The holder of a task asks a person for input (human in the loop, an approval): the task waits
 * INPUT_REQUIRED with the request, its lease stops (a person may take hours), its deadline still
 * applies. The agent keeps it: it may still fail it with the same lease token; the owner may
 * cancel it. CONFLICT unless ASSIGNED under this lease.
 */
export async function requestInput(db: Db, ownerId: string, input: RequestInputInput): Promise<TaskRow> {
  const i = parseInput(requestInputSchema, input);
  const row = await requestStatement.row(db.pool, { ownerId, id: i.id, leaseToken: i.leaseToken, agentId: i.agentId ?? null, request: i.request });
  return single(outcomeOf(row!, 'wait for input'));
}

/**
 * A person answers a task waiting for input: it is ASSIGNED to the same agent again with a fresh
 * lease token, and the INPUT_PROVIDED task event carries the response to it. CONFLICT unless the
 * task is INPUT_REQUIRED.
 */
export async function provideInput(db: Db, ownerId: string, input: ProvideInputInput): Promise<TaskRow> {
  const i = parseInput(provideInputSchema, input);
  const row = await provideStatement.row(db.pool, { ownerId, id: i.id, response: i.response });
  return single(outcomeOf(row!, 'given input', ['INPUT_REQUIRED']));
}
