import { AuthError, type Identity } from '../auth/tokens.js';
import type { Db } from '../db/client.js';
import type { EventBus } from '../events/bus.js';
import { currentTokenVersion } from '../teams/agentTokens.js';

/**
 * How long a member's token version is trusted without asking the database again: a revocation
 * reaches new requests on other instances within this bound (at once on the instance that revoked).
 */
export const TOKEN_VERSION_CACHE_MS = 1_000;
const CACHE_SIZE = 10_000;

export type AgentTokenGuard = ReturnType<typeof createAgentTokenGuard>;

/**
 * Refuses agent tokens whose `ver` is older than their member's token version (revoked), or whose
 * member is gone, and tells open subscriptions and sockets when their token is revoked.
 */
export function createAgentTokenGuard(db: Db, bus: EventBus, cacheMs = TOKEN_VERSION_CACHE_MS) {
  const cache = new Map<string, { at: number; version: Promise<number | null> }>();
  const keyOf = (ownerId: string, teamId: string, agent: string) => `${ownerId}\n${teamId}\n${agent}`;

  function version(ownerId: string, teamId: string, agent: string): Promise<number | null> {
    const key = keyOf(ownerId, teamId, agent);
    const known = cache.get(key);
    if (known && Date.now() - known.at < cacheMs) return known.version;
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    // The lookup itself is shared: a burst of calls of one agent costs one query.
    const lookup = currentTokenVersion(db, ownerId, teamId, agent);
    cache.set(key, { at: Date.now(), version: lookup });
    lookup.catch(() => cache.get(key)?.version === lookup && cache.delete(key));
    return lookup;
  }

  /** A revocation committed on this instance (or delivered from another): forget the cached version at once. */
  const forget = (ownerId: string, teamId: string, agent: string) => void cache.delete(keyOf(ownerId, teamId, agent));

  return {
    /** Throws AuthError for a revoked agent token or one whose member no longer exists; owner tokens pass. */
    async check(identity: Identity): Promise<void> {
      const agent = identity.agent;
      if (!agent) return;
      const current = await version(identity.ownerId, agent.teamId, agent.agentId);
      if (current === null) throw new AuthError(`agent token names ${agent.agentId} of team ${agent.teamId}, which does not exist`);
      if (agent.version < current) throw new AuthError('agent token revoked');
    },
    forget,
    /**
     * Calls `revoked` once when a revocation of this agent token's member is delivered (from any
     * instance: the AGENT_TOKENS_REVOKED team event). Returns the function that stops watching.
     */
    watch(identity: Identity, revoked: () => void): () => void {
      const agent = identity.agent;
      if (!agent) return () => {};
      const events = bus.subscribe('teamEvents', agent.teamId);
      void (async () => {
        try {
          for await (const event of events) {
            if (event.type !== 'AGENT_TOKENS_REVOKED' || event.agent !== agent.agentId) continue;
            if (((event.detail ?? {}) as { version?: number }).version! <= agent.version) continue;
            forget(identity.ownerId, agent.teamId, agent.agentId);
            revoked();
            return;
          }
        } catch {
          // The bus ended the listener (backlog or shutdown): nothing left to watch.
        }
      })();
      return () => void events.return();
    },
  };
}
