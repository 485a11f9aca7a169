import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';

// CORS for REST and GraphQL alike, from CORS_ORIGINS; none by default.

const APP = 'https://app.example.com';
let open: TestServer;
let closed: TestServer;
beforeAll(async () => {
  [open, closed] = await Promise.all([startTestServer({ listen: true, config: { corsOrigins: [APP] } }), startTestServer({ listen: true })]);
});
afterAll(() => Promise.all([open.stop(), closed.stop()]));

const preflight = (s: TestServer, path: string, origin: string, method = 'POST') =>
  fetch(`${s.baseUrl}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type' },
  });

describe('with CORS_ORIGINS', () => {
  it.each(['/graphql', '/work-queues', '/api/v1/teams', '/mcp'])('answers a preflight to %s from an allowed origin', async (path) => {
    const res = await preflight(open, path, APP);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(res.headers.get('access-control-allow-headers')).toMatch(/content-type/);
    // MCP clients send it on every request after initialize.
    expect(res.headers.get('access-control-allow-headers')).toMatch(/mcp-protocol-version/);
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toMatch(/Origin/);
  });

  it('allows nothing to another origin', async () => {
    const res = await preflight(open, '/graphql', 'https://evil.example');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-methods')).toBeNull();
    const simple = await fetch(`${open.baseUrl}/work-queues`, { headers: { origin: 'https://evil.example', authorization: `Bearer ${await open.tokenFor('alice')}` } });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('marks the actual REST and GraphQL answers for the allowed origin, exposing the request id', async () => {
    const auth = { authorization: `Bearer ${await open.tokenFor('alice')}`, origin: APP };
    const list = await fetch(`${open.baseUrl}/work-queues`, { headers: auth });
    expect(list.status).toBe(200);
    expect(list.headers.get('access-control-allow-origin')).toBe(APP);
    expect(list.headers.get('access-control-expose-headers')).toMatch(/x-request-id/);
    const gql = await fetch(`${open.baseUrl}/graphql`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ workQueues { totalCount } }' }),
    });
    expect(gql.status).toBe(200);
    expect(gql.headers.get('access-control-allow-origin')).toBe(APP);
    // Errors too, so the page can read them.
    const unauthenticated = await fetch(`${open.baseUrl}/api/v1/teams`, { headers: { origin: APP } });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('access-control-allow-origin')).toBe(APP);
  });

  it('allows any origin with *', async () => {
    const any = await startTestServer({ listen: true, config: { corsOrigins: ['*'] } });
    try {
      const res = await preflight(any, '/graphql', 'https://anywhere.example');
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
    } finally {
      await any.stop();
    }
  });
});

describe('without CORS_ORIGINS', () => {
  it('allows no cross-origin call, GraphQL included', async () => {
    const res = await preflight(closed, '/graphql', APP);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const gql = await fetch(`${closed.baseUrl}/graphql`, {
      method: 'POST',
      headers: { origin: APP, authorization: `Bearer ${await closed.tokenFor('alice')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ workQueues { totalCount } }' }),
    });
    expect(gql.status).toBe(200); // same-origin tools (curl, servers) are unaffected
    expect(gql.headers.get('access-control-allow-origin')).toBeNull();
  });
});
