import { z } from 'zod';

/** `scheme://host[:port]` and nothing else, as browsers send it in `Origin`. */
function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return /^https?:$/.test(url.protocol) && url.origin === value;
  } catch {
    return false;
  }
}

/** One principal's rate limits; null: no limit. */
export interface PrincipalLimits {
  /** Requests in any 1-second window. */
  requestsPerSecond: number | null;
  /** Requests allowed past that rate per 10-second window (0: none). */
  burst: number;
  /** Long polls (dequeue with waitSeconds) waiting at once. */
  longPolls: number | null;
  /** Subscriptions open at once, over websockets and SSE together. */
  subscriptions: number | null;
}

export interface RateLimitsConfig {
  owner: PrincipalLimits;
  /** Per agent token; its requests, long polls and subscriptions count to its owner's limits too. */
  agent: PrincipalLimits;
}

/**
 * Generous on purpose: a guard against a runaway client, never a brake on normal work. The
 * bench's 32 agents of one owner make about 1,100 requests/s on a 2-core machine; an owner's
 * 10,000/s leaves room for hardware several times faster, where one Node process is about
 * saturated anyway. A single agent doing back-to-back dequeue + complete makes a few hundred.
 */
export const DEFAULT_RATE_LIMITS: RateLimitsConfig = {
  owner: { requestsPerSecond: 10_000, burst: 10_000, longPolls: 1_000, subscriptions: 10_000 },
  agent: { requestsPerSecond: 1_000, burst: 1_000, longPolls: 10, subscriptions: 100 },
};

const MAX_LIMIT = 1_000_000_000;

/** A limit: a whole number; `0` or `off` for none (null). */
const limit = (fallback: number | null, none = 'no limit') =>
  z
    .string()
    .regex(/^\s*(\d+|off)\s*$/i, `must be a whole number, or 0 or off for ${none}`)
    .transform((v) => (/off/i.test(v) || Number(v) === 0 ? null : Number(v)))
    .refine((n) => n === null || n <= MAX_LIMIT, `must be at most ${MAX_LIMIT} (or 0 or off for ${none})`)
    .default(fallback);

/** Rate limit variables of one principal kind: RATE_LIMIT_OWNER_RPS, …_BURST, …_LONG_POLLS, …_SUBSCRIPTIONS. */
const rateLimitVars = <K extends 'OWNER' | 'AGENT'>(kind: K, d: PrincipalLimits) =>
  ({
    [`RATE_LIMIT_${kind}_RPS`]: limit(d.requestsPerSecond),
    [`RATE_LIMIT_${kind}_BURST`]: limit(d.burst, 'no burst'),
    [`RATE_LIMIT_${kind}_LONG_POLLS`]: limit(d.longPolls),
    [`RATE_LIMIT_${kind}_SUBSCRIPTIONS`]: limit(d.subscriptions),
  }) as Record<`RATE_LIMIT_${K}_${'RPS' | 'BURST' | 'LONG_POLLS' | 'SUBSCRIPTIONS'}`, ReturnType<typeof limit>>;

// Every environment variable the server reads, parsed once at startup. Nothing else touches process.env.
const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    DATA_DIR: z.string().min(1).default('.data'),
    JWT_SECRET: z.string().min(32, 'must be at least 32 characters (HS256 needs a 256-bit key)').optional(),
    JWT_JWKS_URL: z.url().optional(),
    JWT_ISSUER: z.string().min(1).optional(),
    JWT_AUDIENCE: z.string().min(1).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** How often the lease/deadline sweeper runs, in milliseconds. */
    SWEEP_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
    /** Schema introspection, GraphiQL and "Did you mean" suggestions; default: on except in production. */
    GRAPHQL_INTROSPECTION: z.enum(['true', 'false'], 'must be true or false').optional(),
    /** Open websockets one owner may hold at once. */
    WS_MAX_SOCKETS_PER_OWNER: z.coerce.number().int().min(1).max(100_000).default(100),
    /** Subscriptions running at once on one websocket. */
    WS_MAX_SUBSCRIPTIONS_PER_SOCKET: z.coerce.number().int().min(1).max(10_000).default(100),
    ...rateLimitVars('OWNER', DEFAULT_RATE_LIMITS.owner),
    ...rateLimitVars('AGENT', DEFAULT_RATE_LIMITS.agent),
    /** Bearer token GET /metrics requires; unset, /metrics answers loopback clients only. */
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    /** Origins browsers may call the API from: a comma-separated list, or `*`. Unset: none. */
    CORS_ORIGINS: z
      .string()
      .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean))
      .pipe(z.array(z.string().refine((o) => o === '*' || isOrigin(o), 'must be `*` or a comma-separated list of origins such as https://app.example.com')))
      .optional(),
    /** OTLP/HTTP collector base URL; set, traces are exported to `<url>/v1/traces`. */
    OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
    OTEL_EXPORTER_OTLP_HEADERS: z
      .string()
      .regex(/^\s*[^=,\s]+\s*=[^,]*(,\s*[^=,\s]+\s*=[^,]*)*$/, 'must be key=value pairs separated by commas')
      .optional(),
    OTEL_SERVICE_NAME: z.string().min(1).default('agent-teams'),
  })
  .refine((env) => !(env.JWT_SECRET && env.JWT_JWKS_URL), {
    message: 'set either JWT_SECRET or JWT_JWKS_URL, not both',
    path: ['JWT_SECRET'],
  })
  .refine((env) => env.NODE_ENV !== 'production' || env.JWT_SECRET || env.JWT_JWKS_URL, {
    message:
      'NODE_ENV=production needs JWT_SECRET or JWT_JWKS_URL; refusing to start with a generated development secret',
    path: ['JWT_SECRET'],
  });

export type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  jwt:
    | { kind: 'secret'; secret: string; issuer?: string; audience?: string }
    | { kind: 'jwks'; jwksUrl: string; issuer?: string; audience?: string }
    | { kind: 'dev' };
  logLevel: Env['LOG_LEVEL'];
  sweepIntervalMs: number;
  /** Whether the schema may be explored: introspection, GraphiQL, field suggestions in errors. */
  introspection: boolean;
  websocket: { maxSocketsPerOwner: number; maxSubscriptionsPerSocket: number };
  /** Per owner and per agent token, counted in this instance's memory. */
  rateLimits: RateLimitsConfig;
  /** Bearer token for GET /metrics; undefined: loopback clients only. */
  metricsToken: string | undefined;
  /** Origins allowed by CORS (`*` for any); empty: no cross-origin access. */
  corsOrigins: string[];
  /** OpenTelemetry export, when an endpoint is configured. */
  tracing: { endpoint: string; headers: Record<string, string>; serviceName: string } | undefined;
}

/** `k1=v1,k2=v2` (values URL-encoded, as the OpenTelemetry specification has them). */
function otlpHeaders(raw: string | undefined): Record<string, string> {
  if (!raw) return {};
  return Object.fromEntries(
    raw.split(',').map((pair) => {
      const at = pair.indexOf('=');
      return [pair.slice(0, at).trim(), decodeURIComponent(pair.slice(at + 1).trim())];
    }),
  );
}

function principalLimits(env: Env, kind: 'OWNER' | 'AGENT'): PrincipalLimits {
  return {
    requestsPerSecond: env[`RATE_LIMIT_${kind}_RPS`],
    burst: env[`RATE_LIMIT_${kind}_BURST`] ?? 0,
    longPolls: env[`RATE_LIMIT_${kind}_LONG_POLLS`],
    subscriptions: env[`RATE_LIMIT_${kind}_SUBSCRIPTIONS`],
  };
}

export class ConfigError extends Error {}

/** Parses the environment; throws ConfigError naming every invalid variable. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  // Treat empty strings as unset, as shells and .env files often leave them.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || 'environment'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  const claims = { issuer: env.JWT_ISSUER, audience: env.JWT_AUDIENCE };
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    databaseUrl: env.DATABASE_URL,
    dataDir: env.DATA_DIR,
    jwt: env.JWT_SECRET
      ? { kind: 'secret', secret: env.JWT_SECRET, ...claims }
      : env.JWT_JWKS_URL
        ? { kind: 'jwks', jwksUrl: env.JWT_JWKS_URL, ...claims }
        : { kind: 'dev' },
    logLevel: env.LOG_LEVEL,
    sweepIntervalMs: env.SWEEP_INTERVAL_MS,
    introspection: env.GRAPHQL_INTROSPECTION ? env.GRAPHQL_INTROSPECTION === 'true' : env.NODE_ENV !== 'production',
    websocket: { maxSocketsPerOwner: env.WS_MAX_SOCKETS_PER_OWNER, maxSubscriptionsPerSocket: env.WS_MAX_SUBSCRIPTIONS_PER_SOCKET },
    rateLimits: {
      owner: principalLimits(env, 'OWNER'),
      agent: principalLimits(env, 'AGENT'),
    },
    metricsToken: env.METRICS_TOKEN,
    corsOrigins: env.CORS_ORIGINS ?? [],
    tracing: env.OTEL_EXPORTER_OTLP_ENDPOINT
      ? { endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT, headers: otlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS), serviceName: env.OTEL_SERVICE_NAME }
      : undefined,
  };
}
