import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTeamDocument, DispatchToTeamDocument, StopTeamDocument } from './generated/graphql.js';
import { until } from './helpers/process.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// examples/agent.ts, run as a user would: it must leave cleanly, never loop on errors.

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ listen: true });
});
afterAll(() => s.stop());

function runAgent(teamId: string, token: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/agent.ts', '--team', teamId, '--agent', 'agent-1', '--url', s.baseUrl!, '--token', token], {
    env: { PATH: process.env.PATH },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    output: () => output,
    waitFor: (pattern: RegExp) => until(`${pattern} in the agent's output`, () => pattern.test(output), 30_000).catch((err: Error) => Promise.reject(new Error(`${err.message}:\n${output}`))),
    exitCode: async () => {
      await until('the agent to exit', () => child.exitCode !== null || child.signalCode !== null, 30_000).finally(() => child.exitCode === null && child.kill());
      return exited;
    },
  };
}

describe('examples/agent.ts', () => {
  it('works, then exits 0 with a message once its team is stopped', async () => {
    const { createTeam } = await s.ok(CreateTeamDocument, { input: { name: 'example', size: 1 } });
    const agent = runAgent(createTeam.id, await s.tokenFor('alice'));
    await s.ok(DispatchToTeamDocument, { teamId: createTeam.id, input: { task: 'say hello' } });
    await agent.waitFor(/completed wt_/);
    await s.ok(StopTeamDocument, { id: createTeam.id });
    expect(await agent.exitCode()).toBe(0);
    expect(agent.output()).toMatch(new RegExp(`team ${createTeam.id} (was|is) stopped; exiting`));
    expect(agent.output()).not.toMatch(/error/i);
  });

  it('exits 1 with the reason when its token is refused', async () => {
    const { createTeam } = await s.ok(CreateTeamDocument, { input: { name: 'example-bad-token', size: 1 } });
    const agent = runAgent(createTeam.id, 'not-a-token');
    expect(await agent.exitCode()).toBe(1);
    expect(agent.output()).toMatch(/(Authentication failed|Unauthorized): .*; exiting/);
  });

  it('exits 1 with the reason when the team does not exist', async () => {
    const agent = runAgent('team-nonexistent', await s.tokenFor('alice'));
    expect(await agent.exitCode()).toBe(1);
    expect(agent.output()).toMatch(/not found.*; exiting/i);
  });
});
