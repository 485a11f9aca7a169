import { z } from 'zod';
import { conflict } from '../../errors.js';
import { idSchema } from '../../queues/validation.js';
import { agentTokenGrant, DEFAULT_AGENT_TOKEN_SECONDS, MAX_AGENT_TOKEN_SECONDS, MIN_AGENT_TOKEN_SECONDS, revokeAgentTokens } from '../../teams/agentTokens.js';
import { requireTeam } from '../../teams/teams.js';
import { builder } from '../builder.js';
import { Team } from './team.js';

interface AgentTokenShape {
  token: string;
  ownerId: string;
  teamId: string;
  agent: string;
  version: number;
  expiresAt: Date;
}

const AgentToken = builder.objectRef<AgentTokenShape>('AgentToken').implement({
  description: 'A token that acts only as one member of one team (see the README: Agent tokens).',
  fields: (t) => ({
    token: t.exposeString('token', { description: 'The JWT: send it as Authorization: Bearer <token>.' }),
    teamId: t.exposeID('teamId'),
    team: t.field({ type: Team, resolve: (a, _args, ctx) => requireTeam(ctx.db, a.ownerId, a.teamId) }),
    agent: t.exposeString('agent', { description: 'The member it acts as, e.g. agent-2.' }),
    version: t.exposeInt('version', { description: "The member's token version it carries; revokeAgentTokens refuses it." }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

const RevokeAgentTokensPayload = builder.objectRef<{ teamId: string; agent: string; version: number }>('RevokeAgentTokensPayload').implement({
  fields: (t) => ({
    teamId: t.exposeID('teamId'),
    agent: t.exposeString('agent'),
    version: t.exposeInt('version', { description: 'The new token version: tokens minted from now on carry it.' }),
  }),
});

builder.mutationFields((t) => ({
  createAgentToken: t.field({
    type: AgentToken,
    description: `Mints a token that acts only as \`agent\` on its team (owner tokens only). Lasts expiresInSeconds (${MIN_AGENT_TOKEN_SECONDS}–${MAX_AGENT_TOKEN_SECONDS}, default ${DEFAULT_AGENT_TOKEN_SECONDS}). NOT_FOUND for an unknown team or member, CONFLICT for a stopped team or a server without a shared secret (JWT_JWKS_URL).`,
    args: { teamId: t.arg.id({ required: true }), agent: t.arg.string({ required: true }), expiresInSeconds: t.arg.int() },
    validate: z.looseObject({ teamId: idSchema }),
    resolve: async (_parent, args, ctx) => {
      if (ctx.tokens.mode === 'jwks') {
        throw conflict('createAgentToken needs a shared secret (JWT_SECRET): with JWT_JWKS_URL, tokens come from your identity provider');
      }
      const grant = await agentTokenGrant(ctx.db, ctx.ownerId, args.teamId, args.agent, args.expiresInSeconds);
      const claim = { teamId: args.teamId, agentId: args.agent, version: grant.version };
      const { token, expiresAt } = await ctx.tokens.mintAgent(ctx.ownerId, claim, grant.expiresInSeconds);
      return { token, ownerId: ctx.ownerId, teamId: args.teamId, agent: args.agent, version: grant.version, expiresAt };
    },
  }),
  revokeAgentTokens: t.field({
    type: RevokeAgentTokensPayload,
    description:
      "Refuses every token of the member minted before now (owner tokens only): at once for new requests on this instance, within 1 s on others; the member's open subscriptions end. NOT_FOUND for an unknown team or member.",
    args: { teamId: t.arg.id({ required: true }), agent: t.arg.string({ required: true }) },
    validate: z.looseObject({ teamId: idSchema }),
    resolve: async (_parent, args, ctx) => {
      const version = await revokeAgentTokens(ctx.db, ctx.ownerId, args.teamId, args.agent);
      ctx.agentTokens.forget(ctx.ownerId, args.teamId, args.agent);
      return { teamId: args.teamId, agent: args.agent, version };
    },
  }),
}));
