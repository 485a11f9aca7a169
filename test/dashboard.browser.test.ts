// The dashboard and GraphiQL in a real browser (Debian's Chromium via playwright-core), with the
// network to the outside cut: everything the pages need must come from this server.
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CompleteTaskDocument,
  CreateTeamDocument,
  CreateWorkQueueDocument,
  DequeueTaskDocument,
  DispatchToTeamDocument,
  EnqueueTasksDocument,
  SendMessageDocument,
  TeamDocument,
  WorkQueueDocument,
} from './generated/graphql.js';
import { browserOrSkip, launchOffline, type Offline } from './helpers/browser.js';
import { errorCode, startTestServer, type TestServer } from './helpers/server.js';

const chromiumPath = browserOrSkip();
const WAIT = { timeout: 10_000 };

describe.skipIf(!chromiumPath)('dashboard in a browser', () => {
  let s: TestServer;
  let browser: Offline;
  let page: Page;
  let token: string;

  beforeAll(async () => {
    s = await startTestServer({ listen: true, graphiqlOwner: 'alice' });
    token = await s.tokenFor('alice');
    browser = await launchOffline(chromiumPath!);
    page = await browser.context.newPage();
    page.on('console', (m) => m.type() === 'error' && console.error(`[browser] ${m.text()}`));
    page.on('pageerror', (e) => console.error(`[browser] ${e.message}`));
  });
  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') await browser.screenshot(page, `failed-${task.name.replace(/\W+/g, '-').slice(0, 60)}`);
  });
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  /** Signed in through the link `npm start` prints, with the live connection up. */
  async function openSignedIn(hash = '') {
    await page.goto('about:blank');
    await page.goto(`${s.baseUrl}/#token=${token}`);
    await page.locator('[data-connection="live"]').waitFor(WAIT);
    await s.whenSubscribed('ownerTeamEvents', 'alice');
    await s.whenSubscribed('ownerTasks', 'alice');
    if (hash) await page.evaluate((h) => (location.hash = h), hash);
    // A marker that a reload would wipe: the page must stay the same document throughout.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
  }
  const notReloaded = async () => expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(1);

  it('signs in with a pasted token, keeps it in sessionStorage, and signs out', async () => {
    await page.goto(`${s.baseUrl}/`);
    await page.locator('textarea[name="token"]').fill(`Bearer ${token}`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[data-connection="live"]').waitFor(WAIT);
    expect(await page.evaluate(() => sessionStorage.getItem('agent-teams.token'))).toBe(token);
    await page.getByText('No teams yet').waitFor(WAIT);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('textarea[name="token"]').waitFor(WAIT);
    expect(await page.evaluate(() => sessionStorage.getItem('agent-teams.token'))).toBeNull();
  });

  it('refuses a bad token with a message, back on the sign-in form', async () => {
    await page.goto('about:blank');
    await page.goto(`${s.baseUrl}/#token=not-a-jwt`);
    await page.getByText(/Signed out: .*(Authentication failed|Unauthorized)/).waitFor(WAIT);
    await page.locator('textarea[name="token"]').waitFor(WAIT);
    expect(await page.evaluate(() => sessionStorage.getItem('agent-teams.token'))).toBeNull();
  });

  it('signs in from the printed #token= link and takes the token out of the address bar', async () => {
    await openSignedIn();
    expect(page.url()).not.toContain(token);
    expect(page.url()).toMatch(/#\/teams$/);
  });

  it('shows a team created through the API without a reload, and its member going BUSY then IDLE', async () => {
    await openSignedIn();
    const team = (await s.ok(CreateTeamDocument, { input: { name: 'research-team', size: 3, model: 'claude-sonnet-4' } })).createTeam;
    const card = page.locator(`[data-team-id="${team.id}"]`);
    await card.waitFor(WAIT);
    await card.locator('[data-member="agent-3"][data-state="IDLE"]').waitFor(WAIT);

    await s.ok(DispatchToTeamDocument, { teamId: team.id, input: { task: 'Survey quantum error correction papers', parallel: true } });
    await card.locator('.depth[data-depth="3"]').waitFor(WAIT);
    const held = (await s.ok(DequeueTaskDocument, { queueId: team.queue.id, agentId: 'agent-1' })).dequeueTask!;
    const agent1 = card.locator('[data-member="agent-1"]');
    await card.locator('[data-member="agent-1"][data-state="BUSY"]').waitFor(WAIT);
    expect(await agent1.locator('.current a').textContent()).toBe(held.name);
    await card.locator('.depth[data-depth="2"]').waitFor(WAIT);
    await browser.screenshot(page, 'team-busy');

    await s.ok(CompleteTaskDocument, { id: held.id, result: { papers: 12 } });
    await card.locator('[data-member="agent-1"][data-state="IDLE"]').waitFor(WAIT);
    await card.locator('.dispatch progress[value="1"]').waitFor(WAIT);
    await notReloaded();
  });

  it('stops a team with its button', async () => {
    await openSignedIn();
    const team = (await s.ok(CreateTeamDocument, { input: { name: 'to-stop', size: 2 } })).createTeam;
    const card = page.locator(`[data-team-id="${team.id}"]`);
    await card.getByRole('button', { name: 'Stop team' }).click();
    await card.getByRole('button', { name: 'Stop? Click again' }).click();
    await card.locator('[data-status="STOPPED"]').first().waitFor(WAIT);
    await card.locator('[data-member="agent-2"][data-state="STOPPED"]').waitFor(WAIT);
    expect((await s.ok(TeamDocument, { id: team.id })).team.status).toBe('STOPPED');
    await notReloaded();
  });

  it('shows queues live (depth by status and priority, throughput) and deletes one', async () => {
    const queueId = (await s.ok(CreateWorkQueueDocument, { input: { name: 'bug-triage', teamId: 'engineering' } })).createWorkQueue.id;
    await s.ok(EnqueueTasksDocument, { queueId, tasks: [{ name: 'Login timeout', priority: 5, payload: { ticket: 'T-4821' } }, { name: 'Typo', priority: 1 }] });
    await openSignedIn('#/queues');
    const row = page.locator(`[data-queue-id="${queueId}"]`);
    await row.locator('[data-depth="2"]').waitFor(WAIT);
    expect(await row.locator('.priorities').textContent()).toBe('P5: 1P1: 1');

    await s.ok(EnqueueTasksDocument, { queueId, tasks: [{ name: 'Crash on save', priority: 4 }] });
    await row.locator('[data-depth="3"]').waitFor(WAIT);

    // The queue's own page: a task finishing shows in the throughput chart.
    await row.getByRole('link', { name: 'bug-triage' }).click();
    await page.locator('.chart:not(.compact)[data-finished="0"]').waitFor(WAIT);
    const held = (await s.ok(DequeueTaskDocument, { queueId, agentId: 'triage-agent' })).dequeueTask!;
    await s.ok(CompleteTaskDocument, { id: held.id, result: { rootCause: 'SameSite cookie' } });
    await page.locator('.chart:not(.compact)[data-finished="1"]').waitFor(WAIT);
    await page.locator('.big[data-depth="2"]').waitFor(WAIT);
    await browser.screenshot(page, 'queue');

    // The task's page: payload, result and its timeline.
    await page.getByRole('link', { name: 'Login timeout' }).click();
    await page.locator('[data-event="COMPLETED"]').waitFor(WAIT);
    expect(await page.locator('.json').first().textContent()).toContain('T-4821');
    expect(await page.locator('.json').nth(1).textContent()).toContain('SameSite cookie');
    await browser.screenshot(page, 'task');

    await page.evaluate(() => (location.hash = '#/queues'));
    await row.locator('.chart[data-finished="1"]').waitFor(WAIT);
    await browser.screenshot(page, 'queues');
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'Delete? Click again' }).click();
    await row.waitFor({ state: 'detached', ...WAIT });
    expect(errorCode(await s.gql(WorkQueueDocument, { id: queueId }))).toBe('NOT_FOUND');
    await notReloaded();
  });

  it("follows a team's messages as they are sent", async () => {
    const team = (await s.ok(CreateTeamDocument, { input: { name: 'chatty', size: 2 } })).createTeam;
    await s.ok(SendMessageDocument, { teamId: team.id, input: { from: 'agent-1', to: 'agent-2', body: 'Taking the 2025 papers' } });
    await openSignedIn(`#/teams/${team.id}/messages`);
    await page.locator('[data-seq="1"]').waitFor(WAIT);
    await s.whenSubscribed('mailbox', team.id);
    await s.ok(SendMessageDocument, { teamId: team.id, input: { from: 'agent-2', body: 'Found 12 so far' } });
    await page.locator('[data-seq="2"]').waitFor(WAIT);
    expect(await page.locator('[data-seq="2"] .body').textContent()).toBe('Found 12 so far');
    await notReloaded();
  });

  it('GraphiQL renders offline and runs a subscription with the token from its headers', async () => {
    const queueId = (await s.ok(CreateWorkQueueDocument, { input: { name: 'graphiql' } })).createWorkQueue.id;
    const graphiql = await browser.context.newPage();
    const query = `subscription { taskEvents(queueId: "${queueId}") { type task { name } } }`;
    await graphiql.goto(`${s.baseUrl}/graphql?query=${encodeURIComponent(query)}`);
    await graphiql.locator('.graphiql-execute-button').waitFor(WAIT);
    await graphiql.locator('.graphiql-execute-button').click();
    await s.whenSubscribed('queueTasks', queueId);
    await s.ok(EnqueueTasksDocument, { queueId, tasks: [{ name: 'seen-in-graphiql' }] });
    await graphiql.locator('.graphiql-response', { hasText: 'seen-in-graphiql' }).waitFor(WAIT);
    expect(await graphiql.locator('.graphiql-response').textContent()).toContain('CREATED');
    await browser.screenshot(graphiql, 'graphiql-subscription');
    await graphiql.close();
  });

  it('asked nothing of any host but this one', () => {
    expect(browser.outside).toEqual([]);
  });
});
