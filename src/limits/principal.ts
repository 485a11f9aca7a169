import type { Identity } from '../auth/tokens.js';

/** Who a request is counted against: its owner, and for an agent token that agent as well. */
export interface Principal {
  ownerId: string;
  /** Agent tokens only: `owner/team/agent`, limited on its own and also counted to its owner. */
  agentKey?: string;
}

// Verified identities are cached per token (auth/tokens.ts): each one's principal is built once.
const principals = new WeakMap<Identity, Principal>();

/** The one place that reads, from a verified identity, whose limits a request counts against. */
export function principalOf(identity: Identity): Principal {
  let principal = principals.get(identity);
  if (!principal) {
    const { ownerId, agent } = identity;
    principal = agent ? { ownerId, agentKey: `${ownerId}/${agent.teamId}/${agent.agentId}` } : { ownerId };
    principals.set(identity, principal);
  }
  return principal;
}
