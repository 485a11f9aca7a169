import type { AgentCard, AgentSkill } from '@a2a-js/sdk';
import type { A2ATeamQuery } from './operations.generated.js';

export type TeamFacts = A2ATeamQuery['team'];

/** Where a team answers JSON-RPC (its card is at `…/.well-known/agent-card.json` below it). */
export const teamPath = (teamId: string) => `/a2a/teams/${encodeURIComponent(teamId)}`;

/**
 * A team's agent card: its name, a description from its members, mode and model, one skill (its
 * mode), streaming, bearer authentication, and the JSON-RPC URL both in A2A 1.0 and in the 0.3
 * method names (message/send, tasks/resubscribe…), which the same endpoint answers.
 */
export function agentCard(team: TeamFacts, origin: string): AgentCard {
  const url = `${origin}${teamPath(team.id)}`;
  const members = `${team.agents.length} member${team.agents.length === 1 ? '' : 's'} (${team.agents.join(', ')})`;
  const skill: AgentSkill = {
    id: team.mode ?? 'team-work',
    name: team.mode ? `${team.mode} (team mode)` : 'Team work',
    description: `Work for team "${team.name}": a message becomes a task on the team's queue, taken by the first free member; its result comes back as an artifact. Name tools in message.metadata.tools.`,
    tags: ['agent-teams', ...(team.mode ? [team.mode] : []), ...(team.model ? [team.model] : [])],
    examples: [],
    inputModes: ['text/plain', 'application/json'],
    outputModes: ['application/json', 'text/plain'],
    securityRequirements: [],
  };
  return {
    name: team.name,
    description: `Agent team "${team.name}" with ${members}${team.mode ? `, mode ${team.mode}` : ''}${team.model ? `, model ${team.model}` : ''}; status ${team.status}.`,
    supportedInterfaces: [
      { url, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '1.0' },
      { url, protocolBinding: 'JSONRPC', tenant: '', protocolVersion: '0.3' },
    ],
    provider: undefined,
    version: '1.0.0',
    capabilities: { streaming: true, pushNotifications: false, extensions: [], extendedAgentCard: false },
    securitySchemes: {
      bearer: { scheme: { $case: 'httpAuthSecurityScheme', value: { description: "The owner's token", scheme: 'Bearer', bearerFormat: 'JWT' } } },
    },
    securityRequirements: [{ schemes: { bearer: { list: [] } } }],
    defaultInputModes: ['text/plain', 'application/json'],
    defaultOutputModes: ['application/json', 'text/plain'],
    skills: [skill],
    signatures: [],
  };
}
