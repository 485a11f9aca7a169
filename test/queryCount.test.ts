import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTeamDocument, DequeueTaskDocument, DispatchToTeamDocument, EnqueueTaskDocument, TeamsDashboardDocument, type TeamsDashboardQuery } from './generated/graphql.js';
import { startTestServer, type TestServer } from './helpers/server.js';

// Fields that load related data (members, depths, counts, current tasks, dispatches and their
// tasks) are batched per request: a page of 50 teams costs the same number of queries as 5.
let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
  for (let i = 0; i < 50; i++) {
    const team = (await s.ok(CreateTeamDocument, { input: { name: `team-${i}`, size: 3 } }, 'counter')).createTeam;
    await s.ok(DispatchToTeamDocument, { teamId: team.id, input: { task: 'research', parallel: true } }, 'counter');
    await s.ok(EnqueueTaskDocument, { queueId: team.queue.id, input: { name: 'extra' } }, 'counter');
    await s.ok(DequeueTaskDocument, { queueId: team.queue.id, agentId: 'agent-1' }, 'counter');
  }
});
afterAll(() => s.stop());

/** Queries sent to PostgreSQL (by Prisma and by our statements alike) while `work` runs. */
async function countQueries(work: () => Promise<unknown>): Promise<number> {
  const original = pg.Client.prototype.query;
  let n = 0;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    n++;
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof original;
  try {
    await work();
  } finally {
    pg.Client.prototype.query = original;
  }
  return n;
}

describe('a dashboard query over a list of teams', () => {
  it('costs a constant number of queries, whatever the page size', async () => {
    let page: TeamsDashboardQuery | undefined;
    const five = await countQueries(async () => (page = await s.ok(TeamsDashboardDocument, { first: 5 }, 'counter')));
    const fifty = await countQueries(async () => (page = await s.ok(TeamsDashboardDocument, { first: 50 }, 'counter')));
    expect(fifty).toBe(five);
    expect(fifty).toBeLessThanOrEqual(15);
    const teams = page!.teams.edges;
    expect(teams).toHaveLength(50);
    expect(teams.every((t) => t.node.members[0]!.state === 'BUSY' && t.node.queueDepth === 3)).toBe(true);
  });
});
