import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenService } from '../src/auth/tokens.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.stop());

async function post(authorization?: string) {
  const res = await s.app.yoga.fetch('http://test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ query: '{ workQueues { totalCount } }' }),
  });
  return { status: res.status, body: (await res.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } };
}
const sign = (secret: string, claims: { sub?: string; exp?: number | string } = {}) => {
  let jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (claims.sub !== undefined) jwt = jwt.setSubject(claims.sub);
  if (claims.exp !== undefined) jwt = jwt.setExpirationTime(claims.exp);
  return jwt.sign(new TextEncoder().encode(secret));
};

describe('authentication', () => {
  it('accepts a valid token', async () => {
    const res = await post(`Bearer ${await s.tokenFor('alice')}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ workQueues: { totalCount: 0 } });
  });

  it.each([
    ['no header', async () => undefined],
    ['a non-bearer scheme', async () => 'Basic YWxpY2U6c2VjcmV0'],
    ['garbage', async () => 'Bearer not-a-jwt'],
    ['a token signed with another secret', async () => `Bearer ${await sign('x'.repeat(40), { sub: 'alice', exp: '1h' })}`],
    ['an expired token', async () => `Bearer ${await sign(s.secret, { sub: 'alice', exp: Math.floor(Date.now() / 1000) - 60 })}`],
    ['a token without exp', async () => `Bearer ${await sign(s.secret, { sub: 'alice' })}`],
    ['a token without sub', async () => `Bearer ${await sign(s.secret, { exp: '1h' })}`],
    ['an unsigned (alg none) token', async () => `Bearer ${new UnsecuredJWT({}).setSubject('alice').setExpirationTime('1h').encode()}`],
  ])('rejects %s with 401 UNAUTHENTICATED', async (_label, header) => {
    const res = await post(await header());
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(res.body.data).toBeUndefined();
  });

  it('tolerates a few seconds of clock skew on exp', async () => {
    const token = await sign(s.secret, { sub: 'alice', exp: Math.floor(Date.now() / 1000) - 2 });
    expect((await post(`Bearer ${token}`)).status).toBe(200);
  });
});

describe('dev secret', () => {
  it('is generated once in the data directory and reused', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'agent-teams-auth-'));
    const a = await createTokenService({ jwt: { kind: 'dev' }, dataDir });
    const token = await a.mint('dev');
    const b = await createTokenService({ jwt: { kind: 'dev' }, dataDir });
    expect((await b.verify(token)).ownerId).toBe('dev');
    expect((await readFile(path.join(dataDir, 'dev-jwt-secret'), 'utf8')).trim().length).toBeGreaterThanOrEqual(32);
    await rm(dataDir, { recursive: true, force: true });
  });
});

describe('agent tokens (claims team, agent, ver)', () => {
  const agent = { teamId: 'team-abc123', agentId: 'agent-2', version: 0 };

  it('verify() answers the agent beside the owner', async () => {
    const { token, expiresAt } = await s.tokens.mintAgent('alice', agent, 600);
    const identity = await s.tokens.verify(token);
    expect(identity).toEqual({ ownerId: 'alice', expiresAt, agent });
    expect(expiresAt.getTime()).toBeGreaterThan(Date.now() + 590_000);
    expect((await s.tokens.verify(await s.tokenFor('alice'))).agent).toBeUndefined();
  });

  it.each([
    ['a team without agent and ver', { team: 'team-abc123' }],
    ['a team that is no team id', { team: 'engineering', agent: 'agent-1', ver: 0 }],
    ['an agent that is no member name', { team: 'team-abc123', agent: 'bob', ver: 0 }],
    ['a ver that is a string', { team: 'team-abc123', agent: 'agent-1', ver: '0' }],
    ['a negative ver', { team: 'team-abc123', agent: 'agent-1', ver: -1 }],
    ['a fractional ver', { team: 'team-abc123', agent: 'agent-1', ver: 1.5 }],
  ])('refuses a token with %s: 401', async (_label, extra) => {
    const token = await new SignJWT(extra).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(s.secret));
    const res = await post(`Bearer ${token}`);
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.message).toMatch(/malformed agent token/);
  });

  it('cannot be minted without a shared secret (JWKS)', async () => {
    const jwks = await createTokenService({ jwt: { kind: 'jwks', jwksUrl: 'http://127.0.0.1:9/jwks.json' }, dataDir: '.data' });
    await expect(jwks.mintAgent('alice', agent, 60)).rejects.toThrow(/JWT_JWKS_URL/);
  });
});
