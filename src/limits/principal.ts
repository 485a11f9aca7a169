import type { Identity } from '../auth/tokens.js';

/** Who a request is counted against: its owner, and for an agent token that agent as well. */
export interface Principal {
  ownerId: string;
  /** Agent tokens only: `owner/team/agent`, limited on its own and also counted to its owner. */
  agentKey?: string;
}

/** The shared contract's agent claim, until `Identity` carries it (agent tokens). */
type WithAgent = Identity & { agent?: { teamId: string; agentId: string } };

/** The one place that reads who is calling from a verified identity. */
export function principalOf(identity: WithAgent): Principal {
  const { ownerId, agent } = identity;
  return agent ? { ownerId, agentKey: `${ownerId}/${agent.teamId}/${agent.agentId}` } : { ownerId };
}
