import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { McpInboxDocument, McpMarkMessagesReadDocument, McpSendMessageDocument, McpShowTeamDocument } from '../operations.generated.js';
import { answer, asTool, type Caller } from '../caller.js';

/** The tools over the agent's team: its mailbox and how the team stands. */
export function registerTeamTools(server: McpServer, caller: Caller) {
  const { teamId, agentId } = caller.agent;

  server.registerTool(
    'send_message',
    {
      title: 'Message a teammate or the team',
      description:
        `Sends a message from you (${agentId}) to one member of your team (to: e.g. "agent-2") or, without to, to ` +
        'every other member. Use it to hand over findings, ask a teammate, or coordinate. Returns {message} with ' +
        'its seq. Errors: BAD_USER_INPUT when to is not a member or body is empty; CONFLICT when the team is stopped.',
      inputSchema: {
        body: z.string().min(1).describe('The message text.'),
        to: z.string().min(1).optional().describe('One member\'s name, e.g. "agent-2"; omit to send to the whole team.'),
      },
      annotations: { readOnlyHint: false, idempotentHint: false, openWorldHint: false },
    },
    ({ body, to }) =>
      asTool(async () => answer({ message: (await caller.run(McpSendMessageDocument, { teamId, input: { from: agentId, to, body } })).sendMessage })),
  );

  server.registerTool(
    'read_inbox',
    {
      title: 'Read your inbox',
      description:
        'Returns {messages, cursor}: messages sent to you or to the whole team by others, oldest first. Without ' +
        'after: the unread ones. With after (a seq, e.g. a previous cursor): those after it. markRead (default ' +
        'true) marks what was returned as read, so the next call without after shows only newer messages. ' +
        'cursor is the seq of the last message returned (or after, when none): pass it as after to page on. ' +
        'Call it when you start, between tasks, and when a teammate may have answered.',
      inputSchema: {
        after: z.number().int().min(0).optional().describe('Return messages after this seq (default: your read cursor, i.e. the unread ones).'),
        limit: z.number().int().min(1).max(100).default(50).describe('At most this many messages (1–100, default 50).'),
        markRead: z.boolean().default(true).describe('Mark the returned messages read (default true).'),
      },
      annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: false },
    },
    ({ after, limit, markRead }) =>
      asTool(async () => {
        const { inbox } = await caller.run(McpInboxDocument, { teamId, agent: agentId, after, limit });
        const last = inbox.at(-1)?.seq;
        if (markRead && last !== undefined) await caller.run(McpMarkMessagesReadDocument, { teamId, agent: agentId, upTo: last });
        return answer({ messages: inbox, cursor: last ?? after ?? null });
      }),
  );

  server.registerTool(
    'show_team',
    {
      title: 'Show your team',
      description:
        `Returns {you, team}: you are ${agentId}; team has its status (ACTIVE or not accepting work), its members ` +
        'with their state (IDLE, BUSY or STOPPED) and current task, queueDepth (pending tasks) and the queue\'s counts per ' +
        'status. Call it to see who is free before messaging, or how much work waits.',
      inputSchema: {},
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    () => asTool(async () => answer({ you: agentId, team: (await caller.run(McpShowTeamDocument, { teamId })).team })),
  );
}
