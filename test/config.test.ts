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

  it('reads the observability and browser variables', () => {
    expect(loadConfig({})).toMatchObject({ metricsToken: undefined, corsOrigins: [], tracing: undefined });
    const config = loadConfig({
      METRICS_TOKEN: 'm'.repeat(16),
      CORS_ORIGINS: 'https://app.example.com, http://localhost:5173',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-team=ops',
      OTEL_SERVICE_NAME: 'teams-eu',
    });
    expect(config).toMatchObject({
      metricsToken: 'm'.repeat(16),
      corsOrigins: ['https://app.example.com', 'http://localhost:5173'],
      tracing: { endpoint: 'http://collector:4318', headers: { authorization: 'Bearer abc', 'x-team': 'ops' }, serviceName: 'teams-eu' },
    });
    expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }).tracing?.serviceName).toBe('agent-teams');
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ JWT_JWKS_URL: 'not a url' }, 'JWT_JWKS_URL'],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN'],
    [{ CORS_ORIGINS: 'https://app.example.com/path' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'app.example.com' }, 'CORS_ORIGINS'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'OTEL_EXPORTER_OTLP_ENDPOINT'],
    [{ OTEL_EXPORTER_OTLP_HEADERS: 'no-equals-sign' }, 'OTEL_EXPORTER_OTLP_HEADERS'],
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
