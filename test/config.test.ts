import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('has sane defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, host: '127.0.0.1', databaseUrl: undefined, jwt: { kind: 'dev' }, logLevel: 'info', env: 'development' });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgresql://u:p@db:5432/agents',
      JWT_SECRET: 's'.repeat(32),
      JWT_ISSUER: 'https://id.example',
      JWT_AUDIENCE: 'agent-teams',
      LOG_LEVEL: 'debug',
      NODE_ENV: 'production',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      databaseUrl: 'postgresql://u:p@db:5432/agents',
      jwt: { kind: 'secret', issuer: 'https://id.example', audience: 'agent-teams' },
      logLevel: 'debug',
    });
    expect(loadConfig({ JWT_JWKS_URL: 'https://id.example/.well-known/jwks.json' }).jwt).toMatchObject({ kind: 'jwks' });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ JWT_JWKS_URL: 'not a url' }, 'JWT_JWKS_URL'],
  ])('rejects %j naming %s', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
  });

  it('refuses production without JWT configuration', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/production needs JWT_SECRET or JWT_JWKS_URL/);
  });

  it('treats empty values as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({ port: 3000, databaseUrl: undefined });
  });
});
