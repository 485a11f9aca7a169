import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateTeamDocument,
  InboxDocument,
  MailboxDocument,
  MarkMessagesReadDocument,
  MessagesDocument,
  SendMessageDocument,
  StopTeamDocument,
  type MailboxSubscription,
} from './generated/graphql.js';
import { waitFor } from './helpers/eventually.js';
import { errorCode, startTestServer, type TestServer } from './helpers/server.js';
import { collect, type WsClient } from './helpers/ws.js';

let s: TestServer;
let ws: WsClient;
beforeAll(async () => {
  s = await startTestServer({ listen: true });
  ws = await s.wsClient();
});
afterAll(() => s.stop());

let n = 0;
const newTeam = async (size = 3, owner = 'alice') => (await s.ok(CreateTeamDocument, { input: { name: `mail-${++n}`, size } }, owner)).createTeam.id;
const send = (teamId: string, from: string, body: string, to?: string) => s.ok(SendMessageDocument, { teamId, input: { from, to, body } });
const bodies = (items: MailboxSubscription[]) => items.map((i) => i.mailbox.body);

describe('sendMessage', () => {
  it('stores messages with an increasing per-team sequence', async () => {
    const teamId = await newTeam();
    const a = (await send(teamId, 'agent-1', 'hello team')).sendMessage;
    const b = (await send(teamId, 'agent-2', 'hi agent-1', 'agent-1')).sendMessage;
    expect(a).toMatchObject({ seq: 1, from: 'agent-1', to: null, body: 'hello team' });
    expect(a.id).toMatch(/^msg_/);
    expect(b).toMatchObject({ seq: 2, to: 'agent-1' });
    const other = await newTeam();
    expect((await send(other, 'agent-1', 'elsewhere')).sendMessage.seq).toBe(1);
    const history = (await s.ok(MessagesDocument, { teamId })).messages;
    expect(history.totalCount).toBe(2);
    expect(history.edges.map((e) => e.node.body)).toEqual(['hello team', 'hi agent-1']);
  });

  it('pages the history', async () => {
    const teamId = await newTeam(2);
    for (const body of ['one', 'two', 'three']) await send(teamId, 'agent-1', body);
    const first = (await s.ok(MessagesDocument, { teamId, first: 2 })).messages;
    expect(first.edges.map((e) => e.node.body)).toEqual(['one', 'two']);
    expect(first.totalCount).toBe(3);
    const rest = (await s.ok(MessagesDocument, { teamId, first: 2, after: first.pageInfo.endCursor })).messages;
    expect(rest.edges.map((e) => e.node.body)).toEqual(['three']);
    expect(rest.pageInfo.hasNextPage).toBe(false);
  });

  it('gives concurrent senders distinct, gapless sequences', async () => {
    const teamId = await newTeam();
    const sent = await Promise.all(Array.from({ length: 30 }, (_, i) => send(teamId, `agent-${(i % 3) + 1}`, `m${i}`)));
    expect(sent.map((m) => m.sendMessage.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('rejects non-members as sender or recipient, and a stopped team', async () => {
    const teamId = await newTeam(2);
    const bad = await s.gql(SendMessageDocument, { teamId, input: { from: 'agent-9', body: 'x' } });
    expect(bad.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'from' });
    const badTo = await s.gql(SendMessageDocument, { teamId, input: { from: 'agent-1', to: 'outsider', body: 'x' } });
    expect(badTo.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'to' });
    expect(errorCode(await s.gql(SendMessageDocument, { teamId, input: { from: 'agent-1', body: ' ' } }))).toBe('BAD_USER_INPUT');
    await s.ok(StopTeamDocument, { id: teamId });
    expect(errorCode(await s.gql(SendMessageDocument, { teamId, input: { from: 'agent-1', body: 'late' } }))).toBe('CONFLICT');
    expect((await s.ok(MessagesDocument, { teamId })).messages.totalCount).toBe(0);
  });

  it("is NOT_FOUND on another owner's team", async () => {
    const teamId = await newTeam();
    expect(errorCode(await s.gql(SendMessageDocument, { teamId, input: { from: 'agent-1', body: 'x' } }, 'bob'))).toBe('NOT_FOUND');
    expect(errorCode(await s.gql(InboxDocument, { teamId, agent: 'agent-1' }, 'bob'))).toBe('NOT_FOUND');
    expect(errorCode(await s.gql(MessagesDocument, { teamId }, 'bob'))).toBe('NOT_FOUND');
  });
});

describe('inbox and read cursor', () => {
  it('holds direct messages and others’ broadcasts, unread by default', async () => {
    const teamId = await newTeam();
    await send(teamId, 'agent-1', 'broadcast from 1');
    await send(teamId, 'agent-2', 'direct to 1', 'agent-1');
    await send(teamId, 'agent-2', 'direct to 3', 'agent-3');
    await send(teamId, 'agent-3', 'broadcast from 3');
    const inbox1 = (await s.ok(InboxDocument, { teamId, agent: 'agent-1' })).inbox;
    expect(inbox1.map((m) => m.body)).toEqual(['direct to 1', 'broadcast from 3']);
    const inbox2 = (await s.ok(InboxDocument, { teamId, agent: 'agent-2' })).inbox;
    expect(inbox2.map((m) => m.body)).toEqual(['broadcast from 1', 'broadcast from 3']);

    expect((await s.ok(MarkMessagesReadDocument, { teamId, agent: 'agent-1', upTo: inbox1[0]!.seq })).markMessagesRead).toBe(2);
    expect((await s.ok(InboxDocument, { teamId, agent: 'agent-1' })).inbox.map((m) => m.body)).toEqual(['broadcast from 3']);
    // The cursor never moves backwards, and never past the last message.
    expect((await s.ok(MarkMessagesReadDocument, { teamId, agent: 'agent-1', upTo: 1 })).markMessagesRead).toBe(2);
    expect((await s.ok(MarkMessagesReadDocument, { teamId, agent: 'agent-1', upTo: 999 })).markMessagesRead).toBe(4);
    expect((await s.ok(InboxDocument, { teamId, agent: 'agent-1' })).inbox).toEqual([]);
    expect((await s.ok(InboxDocument, { teamId, agent: 'agent-1', after: 0 })).inbox).toHaveLength(2);
  });
});

describe('mailbox subscription', () => {
  it('delivers a broadcast to every member but the sender, a direct message to its recipient only, and nothing across teams', async () => {
    const teamId = await newTeam();
    const otherTeam = await newTeam();
    const subs = Object.fromEntries(
      ['agent-1', 'agent-2', 'agent-3'].map((agent) => [agent, collect(ws.client, MailboxDocument, { teamId, agent })]),
    );
    const outsider = collect(ws.client, MailboxDocument, { teamId: otherTeam, agent: 'agent-2' });
    await s.whenSubscribed('mailbox', teamId, 3);
    await s.whenSubscribed('mailbox', otherTeam);
    await send(teamId, 'agent-1', 'all hands');
    await send(teamId, 'agent-3', 'just you', 'agent-2');
    // Markers sent afterwards, one for each subscriber (the other team's first): whatever should
    // not reach a subscriber would arrive before its marker, so each marker must be its last item.
    await send(otherTeam, 'agent-1', 'marker for the other team');
    await send(teamId, 'agent-2', 'marker for 1 and 3');
    await send(teamId, 'agent-1', 'marker for 2', 'agent-2');
    await subs['agent-1']!.waitFor(1);
    await subs['agent-2']!.waitFor(3);
    await subs['agent-3']!.waitFor(2);
    await outsider.waitFor(1);
    expect(bodies(subs['agent-1']!.items)).toEqual(['marker for 1 and 3']);
    expect(bodies(subs['agent-2']!.items)).toEqual(['all hands', 'just you', 'marker for 2']);
    expect(bodies(subs['agent-3']!.items)).toEqual(['all hands', 'marker for 1 and 3']);
    expect(bodies(outsider.items)).toEqual(['marker for the other team']);
    for (const sub of [...Object.values(subs), outsider]) sub.stop();
  });

  it('replays unread messages after a disconnect, then streams live, with no gap or repeat', async () => {
    const teamId = await newTeam(2);
    const agentWs = await s.wsClient({ token: await s.tokenFor('alice') });
    const live = collect(agentWs.client, MailboxDocument, { teamId, agent: 'agent-2' });
    await s.whenSubscribed('mailbox', teamId);
    await send(teamId, 'agent-1', 'one');
    await send(teamId, 'agent-1', 'two');
    const got = await live.waitFor(2);
    const cursor = got.at(-1)!.mailbox.seq;
    await agentWs.client.dispose(); // the connection drops

    await send(teamId, 'agent-1', 'three');
    await send(teamId, 'agent-1', 'four');

    const back = await s.wsClient({ token: await s.tokenFor('alice') });
    const resumed = collect(back.client, MailboxDocument, { teamId, agent: 'agent-2', after: cursor });
    const writer = Promise.all([send(teamId, 'agent-1', 'five'), send(teamId, 'agent-1', 'six')]);
    await writer;
    await resumed.waitFor(4);
    // No repeat may follow: a marker sent now must be the fifth and last item.
    await send(teamId, 'agent-1', 'marker');
    await resumed.waitFor(5);
    expect(bodies(resumed.items).slice(0, 2)).toEqual(['three', 'four']);
    expect(bodies(resumed.items).slice(2, 4).sort()).toEqual(['five', 'six']);
    expect(bodies(resumed.items).slice(4)).toEqual(['marker']);
    expect(resumed.items.map((i) => i.mailbox.seq)).toEqual([3, 4, 5, 6, 7]);
    resumed.stop();
    await back.client.dispose();
  });

  it('starts from the read cursor when no cursor is given', async () => {
    const teamId = await newTeam(2);
    await send(teamId, 'agent-1', 'old');
    await send(teamId, 'agent-1', 'unread');
    await s.ok(MarkMessagesReadDocument, { teamId, agent: 'agent-2', upTo: 1 });
    const sub = collect(ws.client, MailboxDocument, { teamId, agent: 'agent-2' });
    await sub.waitFor(1);
    await send(teamId, 'agent-1', 'new');
    await sub.waitFor(2);
    expect(bodies(sub.items)).toEqual(['unread', 'new']);
    sub.stop();
  });

  it("refuses a non-member and another owner's team", async () => {
    const teamId = await newTeam(2);
    const nonMember = collect(ws.client, MailboxDocument, { teamId, agent: 'agent-7' });
    const bobWs = await s.wsClient({ token: await s.tokenFor('bob') });
    const foreign = collect(bobWs.client, MailboxDocument, { teamId, agent: 'agent-1' });
    // An error ends each operation: nothing can arrive after it.
    await waitFor(() => nonMember.errors.length > 0 && foreign.errors.length > 0, { what: 'both subscriptions to be refused' });
    expect(JSON.stringify(nonMember.errors)).toMatch(/BAD_USER_INPUT/);
    expect(JSON.stringify(foreign.errors)).toMatch(/NOT_FOUND/);
    await bobWs.client.dispose();
  });
});
