import SchemaBuilder from '@pothos/core';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin from '@pothos/plugin-relay';
import ValidationPlugin from '@pothos/plugin-validation';
import { DateTimeResolver, JSONObjectResolver, JSONResolver } from 'graphql-scalars';
import { idType } from '../db/ids.js';
import { badInput, notFound } from '../errors.js';
import { idSchema } from '../queues/validation.js';
import { parseInput } from '../validation.js';
import { getDatamodel } from '../generated/pothos-types.js';
import type PrismaTypes from '../generated/pothos-types.js';
import type { Context } from './context.js';
import { validationError } from './errors.js';

/** nodes(ids) loads each id: a bound on what one query may make the server fetch. */
export const MAX_NODES = 100;

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
    JSONObject: { Input: Record<string, unknown>; Output: unknown };
    ID: { Input: string; Output: string | bigint };
  };
}>({
  plugins: [PrismaPlugin, RelayPlugin, ValidationPlugin],
  defaultFieldNullability: false,
  prisma: {
    client: (ctx) => ctx.db.prisma,
    dmmf: getDatamodel(),
    // Surfaces resolvers that load more than they use.
    onUnusedQuery: 'warn',
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // Our ids already carry their type (wq_, wt_, team-…): GraphQL uses them unchanged.
    encodeGlobalID: (_typename, id) => String(id),
    decodeGlobalID: (globalID) => {
      const typename = idType(parseInput(idSchema, globalID, 'id'));
      if (!typename) throw notFound('node', globalID);
      return { typename, id: globalID };
    },
    nodesQueryOptions: {
      description: `The objects of up to ${MAX_NODES} ids.`,
      resolve: (_root, args, _ctx, _info, resolveNodes) => {
        if (args.ids.length > MAX_NODES) throw badInput('ids', `must list at most ${MAX_NODES} ids`);
        return resolveNodes(args.ids);
      },
    },
  },
  validation: { validationError },
});

builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('JSON', JSONResolver);
builder.addScalarType('JSONObject', JSONObjectResolver);

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
