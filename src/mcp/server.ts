import { createRequire } from 'node:module';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Caller } from './caller.js';
import { registerTaskTools } from './tools/tasks.js';
import { registerTeamTools } from './tools/team.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const INSTRUCTIONS =
  'You are a member of an Agent Teams team. Loop: claim_task (waits for work), do the task, then ' +
  'complete_task or fail_task with the task id and its leaseToken; heartbeat during long work. Ask a person ' +
  'with request_input. Talk to teammates with send_message and read_inbox; show_team shows who does what.';

/** The MCP server of one caller: its tools act as the caller's agent only. */
export function createMcpServer(caller: Caller): McpServer {
  const server = new McpServer({ name: 'agent-teams', version }, { instructions: INSTRUCTIONS, capabilities: { tools: {} } });
  registerTaskTools(server, caller);
  registerTeamTools(server, caller);
  return server;
}
