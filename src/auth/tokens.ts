import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, SignJWT, type JWTVerifyGetKey } from 'jose';
import type { Config } from '../config.js';
import { loadOrCreateDevSecret } from './devSecret.js';

export interface Identity {
  /** The token's `sub`: the owner of everything this request reads or writes. */
  ownerId: string;
  expiresAt: Date;
  /** Set only for agent tokens: the one team and member this token may act as. */
  agent?: AgentClaim;
}

/** What an agent token names besides its owner: claims `team`, `agent` and `ver`. */
export interface AgentClaim {
  teamId: string;
  agentId: string;
  /** The member's token version when minted; revokeAgentTokens raises it, refusing older tokens. */
  version: number;
}

const TEAM_ID = /^team-[A-Za-z0-9_-]{1,64}$/;
const AGENT_ID = /^agent-[1-9][0-9]?$/;

/**
 * The agent claim of a verified payload: none when the token carries none of team/agent/ver (an
 * owner token); an AuthError when it carries some but not all, or any of them malformed, so a
 * half-formed agent token can never pass for an owner token.
 */
function agentClaim(payload: Record<string, unknown>): AgentClaim | undefined {
  const { team, agent, ver } = payload;
  if (team === undefined && agent === undefined && ver === undefined) return undefined;
  if (typeof team !== 'string' || !TEAM_ID.test(team)) throw new AuthError('malformed agent token: claim team must be a team id (team-…)');
  if (typeof agent !== 'string' || !AGENT_ID.test(agent)) throw new AuthError('malformed agent token: claim agent must be a member name (agent-N)');
  if (typeof ver !== 'number' || !Number.isSafeInteger(ver) || ver < 0) throw new AuthError('malformed agent token: claim ver must be a non-negative integer');
  return { teamId: team, agentId: agent, version: ver };
}

/**
 * Whether a token, already verified by the caller, names a team member (an agent token). For
 * front ends that hold the raw token after GraphQL has verified it.
 */
export function isAgentToken(token: string): boolean {
  try {
    const { team, agent, ver } = decodeJwt(token);
    return team !== undefined || agent !== undefined || ver !== undefined;
  } catch {
    return false;
  }
}

export interface TokenService {
  verify(token: string): Promise<Identity>;
  /** Mints a token; only possible with a shared secret (HS256), not with a JWKS. */
  mint(sub: string, expiresIn?: string): Promise<string>;
  /** Mints an agent token of `sub` (claims team, agent, ver) valid for `expiresInSeconds`; HS256 only. */
  mintAgent(sub: string, agent: AgentClaim, expiresInSeconds: number): Promise<{ token: string; expiresAt: Date }>;
  mode: 'secret' | 'jwks' | 'dev';
}

export class AuthError extends Error {}

/** Verified tokens kept (until they expire) so a client's every call is not a signature check. */
const VERIFIED_CACHE_SIZE = 10_000;

const CLOCK_TOLERANCE_SECONDS = 5;
// Pinned: never `none`, never whatever the token's header asks for.
const ASYMMETRIC_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'EdDSA'];

export async function createTokenService(
  config: Pick<Config, 'jwt' | 'dataDir'>,
  /** false: use an existing dev secret only (the token CLI must sign with the server's). */
  options: { createDevSecret?: boolean } = {},
): Promise<TokenService> {
  const jwt = config.jwt;
  const claims = jwt.kind === 'dev' ? {} : { issuer: jwt.issuer, audience: jwt.audience };
  let key: Uint8Array | JWTVerifyGetKey;
  let algorithms: string[];
  if (jwt.kind === 'jwks') {
    key = createRemoteJWKSet(new URL(jwt.jwksUrl));
    algorithms = ASYMMETRIC_ALGS;
  } else {
    const secret = jwt.kind === 'secret' ? jwt.secret : await loadOrCreateDevSecret(config.dataDir, { create: options.createDevSecret });
    key = new TextEncoder().encode(secret);
    algorithms = ['HS256'];
  }

  // Keyed by the whole token: a changed byte is a different token, checked anew. Entries leave
  // at expiry (checked on use) or, oldest first, when the cache is full.
  const verified = new Map<string, Identity>();
  const remember = (token: string, identity: Identity) => {
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
    verified.set(token, identity);
    return identity;
  };

  return {
    mode: jwt.kind,
    async verify(token) {
      const known = verified.get(token);
      if (known && known.expiresAt.getTime() + CLOCK_TOLERANCE_SECONDS * 1000 > Date.now()) return known;
      if (known) verified.delete(token);
      try {
        const { payload } = await jwtVerify(token, key as Uint8Array, {
          algorithms,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          requiredClaims: ['sub', 'exp'],
          ...claims,
        });
        if (typeof payload.sub !== 'string' || !payload.sub) throw new AuthError('token has no usable sub (a non-empty string)');
        const agent = agentClaim(payload);
        return remember(token, { ownerId: payload.sub, expiresAt: new Date(payload.exp! * 1000), ...(agent ? { agent } : {}) });
      } catch (err) {
        if (err instanceof AuthError) throw err;
        if (err instanceof errors.JWTExpired) throw new AuthError('token expired');
        if (err instanceof errors.JOSEError) throw new AuthError(`invalid token (${err.code})`);
        throw err;
      }
    },
    async mint(sub, expiresIn = '24h') {
      return sign(sub, {}, expiresIn);
    },
    async mintAgent(sub, agent, expiresInSeconds) {
      const exp = Math.floor(Date.now() / 1000) + expiresInSeconds;
      const token = await sign(sub, { team: agent.teamId, agent: agent.agentId, ver: agent.version }, exp);
      return { token, expiresAt: new Date(exp * 1000) };
    },
  };

  async function sign(sub: string, extra: Record<string, unknown>, expiresIn: string | number) {
    if (!(key instanceof Uint8Array)) throw new AuthError(MINT_NEEDS_SECRET);
    let builder = new SignJWT(extra).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(sub).setIssuedAt().setExpirationTime(expiresIn);
    if (claims.issuer) builder = builder.setIssuer(claims.issuer);
    if (claims.audience) builder = builder.setAudience(claims.audience);
    return builder.sign(key);
  }
}

export const MINT_NEEDS_SECRET = 'tokens come from your identity provider when JWT_JWKS_URL is set';

/** `Bearer <token>` from a header value; null when absent or malformed. */
export function bearerToken(header: string | null | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? match[1]! : null;
}
