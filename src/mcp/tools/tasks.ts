import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import {
  McpClaimTaskDocument,
  McpCompleteTaskDocument,
  McpFailTaskDocument,
  McpGetTaskDocument,
  McpHeartbeatTaskDocument,
  McpRequestInputDocument,
  McpTeamQueueDocument,
} from '../operations.generated.js';
import { answer, asTool, type Caller } from '../caller.js';

/** The longest a claim waits; the GraphQL long poll's own bound. */
export const MAX_CLAIM_WAIT_SECONDS = 30;
export const DEFAULT_CLAIM_WAIT_SECONDS = 20;

const taskId = z.string().min(1).describe('The task id (e.g. "task_…") from claim_task.');
const leaseToken = z.string().min(1).describe('The leaseToken claim_task returned with the task.');
const jsonObject = z.record(z.string(), z.unknown());

const LEASE_ERRORS =
  'Errors (isError, "CODE: message"): CONFLICT when the lease is lost (it expired, the task was cancelled or ' +
  'reassigned): stop working on it and claim another; NOT_FOUND for an unknown task; FORBIDDEN for a task of another team or agent.';

/** The tools over the agent's own work: claim, report progress, finish, ask a person. */
export function registerTaskTools(server: McpServer, caller: Caller) {
  const { teamId, agentId } = caller.agent;

  server.registerTool(
    'claim_task',
    {
      title: 'Claim the next task',
      description:
        "Takes the highest-priority pending task from your team's queue and assigns it to you under a lease. " +
        'Call it when you are idle and ready for work. If nothing is pending it waits up to waitSeconds for a ' +
        'task to arrive. Returns {task} with the task (id, name, payload: the work itself, leaseToken, ' +
        'leaseExpiresAt, attempts, deadline), or {task: null, message} when nothing arrived: call it again. ' +
        'Keep the leaseToken: complete_task, fail_task, heartbeat and request_input need it. Finish or heartbeat ' +
        'before leaseExpiresAt, or the task goes back to the queue. ' +
        'Errors: CONFLICT when you still hold a task (complete or fail it first) or the team is stopped.',
      inputSchema: {
        waitSeconds: z
          .number()
          .int()
          .min(0)
          .max(MAX_CLAIM_WAIT_SECONDS)
          .default(DEFAULT_CLAIM_WAIT_SECONDS)
          .describe(`How long to wait for a task when none is pending (0–${MAX_CLAIM_WAIT_SECONDS} s, default ${DEFAULT_CLAIM_WAIT_SECONDS}).`),
      },
      annotations: { readOnlyHint: false, idempotentHint: false, openWorldHint: false },
    },
    ({ waitSeconds }) =>
      asTool(async () => {
        const { team } = await caller.run(McpTeamQueueDocument, { teamId });
        const { dequeueTask } = await caller.run(McpClaimTaskDocument, { queueId: team.queue.id, agentId, waitSeconds });
        if (!dequeueTask) return answer({ task: null, message: `No task arrived within ${waitSeconds} s; call claim_task again.` });
        return answer({ task: dequeueTask });
      }),
  );

  server.registerTool(
    'get_task',
    {
      title: 'Look at a task',
      description:
        "Returns {task}: one task of your team's queue as it stands now (status, result, error, inputRequest, " +
        'inputResponse, and your leaseToken while you hold it). Call it after request_input to see whether the ' +
        'person answered: the task is ASSIGNED to you again with inputResponse and a new leaseToken. ' +
        'Errors: NOT_FOUND for an unknown task, FORBIDDEN for another team\'s.',
      inputSchema: { taskId },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    ({ taskId: id }) => asTool(async () => answer({ task: (await caller.run(McpGetTaskDocument, { id })).task })),
  );

  server.registerTool(
    'complete_task',
    {
      title: 'Complete a task',
      description:
        'Marks a task you hold as COMPLETED with its result (a JSON object: whatever the task asked you to produce). ' +
        'Call it once, when the work is done. Returns {task} with status COMPLETED. ' +
        LEASE_ERRORS,
      inputSchema: {
        taskId,
        leaseToken,
        result: jsonObject.default({}).describe('The outcome of the work, a JSON object (e.g. {"summary": "…"}).'),
      },
      annotations: { readOnlyHint: false, idempotentHint: false, openWorldHint: false },
    },
    ({ taskId: id, leaseToken, result }) =>
      asTool(async () => answer({ task: (await caller.run(McpCompleteTaskDocument, { id, leaseToken, agentId, result })).completeTask })),
  );

  server.registerTool(
    'fail_task',
    {
      title: 'Fail a task',
      description:
        'Reports that a task you hold could not be done. With retry: true and attempts left it goes back to the ' +
        'queue (after the retry delay) for another try; otherwise it ends FAILED. Use retry for passing trouble ' +
        '(a timeout, a service down), not for work that can never succeed. Returns {task}: PENDING or DELAYED ' +
        'when it will be retried, FAILED when not. ' +
        LEASE_ERRORS,
      inputSchema: {
        taskId,
        leaseToken,
        error: z.string().min(1).describe('What went wrong, for the person reading the task later.'),
        retry: z.boolean().default(false).describe('Put the task back for another attempt (default false).'),
      },
      annotations: { readOnlyHint: false, idempotentHint: false, openWorldHint: false },
    },
    ({ taskId: id, leaseToken, error, retry }) =>
      asTool(async () => answer({ task: (await caller.run(McpFailTaskDocument, { id, leaseToken, agentId, error, retry })).failTask })),
  );

  server.registerTool(
    'heartbeat',
    {
      title: 'Extend a lease',
      description:
        'Tells the server you are still working on a task: its lease runs extendSeconds from now (default: the ' +
        "queue's visibility timeout). Call it well before leaseExpiresAt during long work. Returns {task} with the " +
        'new leaseExpiresAt. ' +
        LEASE_ERRORS,
      inputSchema: {
        taskId,
        leaseToken,
        extendSeconds: z.number().int().min(1).optional().describe("Seconds the lease runs from now (default: the queue's visibility timeout)."),
      },
      annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: false },
    },
    ({ taskId: id, leaseToken, extendSeconds }) =>
      asTool(async () => answer({ task: (await caller.run(McpHeartbeatTaskDocument, { id, leaseToken, agentId, extendSeconds })).heartbeatTask })),
  );

  server.registerTool(
    'request_input',
    {
      title: 'Ask a person',
      description:
        'Asks a person for input on a task you hold (a decision, a missing detail, an approval). The task waits ' +
        'INPUT_REQUIRED, with no lease running, until the person answers; then it is ASSIGNED to you again with ' +
        'inputResponse and a new leaseToken (see get_task). Meanwhile you may claim other work. Returns {task} ' +
        'with status INPUT_REQUIRED. ' +
        LEASE_ERRORS,
      inputSchema: {
        taskId,
        leaseToken,
        request: jsonObject.describe('What the person should answer, a JSON object (e.g. {"question": "…", "options": ["a", "b"]}).'),
      },
      annotations: { readOnlyHint: false, idempotentHint: false, openWorldHint: true },
    },
    ({ taskId: id, leaseToken, request }) =>
      asTool(async () => answer({ task: (await caller.run(McpRequestInputDocument, { id, leaseToken, agentId, request })).requestInput })),
  );
}
