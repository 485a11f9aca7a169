import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { createTokenService, type TokenService } from '../src/auth/tokens.js';
import { createLogger } from '../src/logger.js';
import { createTestDatabase } from './helpers/database.js';

// Tokens from an identity provider: keys fetched from its JWKS endpoint (served here on loopback),
// issuer and audience enforced.
let server: Server;
let tokens: TokenService;
let sign: (claims: { iss?: string; aud?: string; sub?: string; alg?: string }) => Promise<string>;

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  tokens = await createTokenService({
    jwt: { kind: 'jwks', jwksUrl: `http://127.0.0.1:${port}/.well-known/jwks.json`, issuer: 'https://id.example', audience: 'agent-teams' },
    dataDir: '.data',
  });
  sign = ({ iss = 'https://id.example', aud = 'agent-teams', sub = 'alice' }) =>
    new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(iss).setAudience(aud).setSubject(sub).setExpirationTime('5m').sign(privateKey);
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('JWKS verification', () => {
  it('accepts a token signed by the provider', async () => {
    expect((await tokens.verify(await sign({}))).ownerId).toBe('alice');
  });

  it('rejects another issuer or audience', async () => {
    await expect(tokens.verify(await sign({ iss: 'https://evil.example' }))).rejects.toThrow(/invalid token/);
    await expect(tokens.verify(await sign({ aud: 'someone-else' }))).rejects.toThrow(/invalid token/);
  });

  it('rejects an HS256 token even when it claims the right issuer', async () => {
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('https://id.example')
      .setAudience('agent-teams')
      .setSubject('alice')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('x'.repeat(40)));
    await expect(tokens.verify(forged)).rejects.toThrow(/invalid token/);
  });

  it('cannot mint tokens', async () => {
    await expect(tokens.mint('alice')).rejects.toThrow(/identity provider/);
  });
});

describe('agent tokens with a JWKS', () => {
  it('createAgentToken answers CONFLICT naming the missing shared secret', async () => {
    const database = await createTestDatabase();
    const app = buildApp({ config: { host: '127.0.0.1', port: 0, sweepIntervalMs: 3_600_000 }, databaseUrl: database.url, db: database.handle, tokens, log: createLogger('silent') });
    try {
      const token = await sign({});
      const run = async (query: string) => {
        const res = await app.yoga.fetch('http://test/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query }),
        });
        return (await res.json()) as { data?: Record<string, { id: string }>; errors?: { message: string; extensions: { code: string } }[] };
      };
      const team = (await run('mutation { createTeam(input: { name: "idp" }) { id } }')).data!.createTeam!.id;
      const res = await run(`mutation { createAgentToken(teamId: "${team}", agent: "agent-1") { token } }`);
      expect(res.errors?.[0]?.extensions.code).toBe('CONFLICT');
      expect(res.errors?.[0]?.message).toMatch(/JWT_SECRET.*JWT_JWKS_URL/);
    } finally {
      await app.stop();
      await database.drop();
    }
  });
});
