// The reference point for our GraphQL server: a bare graphql-yoga server with two mutations and
// nothing else (no auth, no validation plugins, no Pothos, no Prisma), running the same two SQL
// statements as our server (bareStatements.ts) over a pg.Pool, as named prepared statements. Whatever our
// server spends on top of this is ours to remove.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError } from 'graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { createSchema, createYoga } from 'graphql-yoga';
import pg from 'pg';
import { claim, complete } from './bareStatements.js';

export interface BareServer {
  url: string;
  stop(): Promise<void>;
}

export async function startBareYoga(databaseUrl: string, ownerId: string): Promise<BareServer> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 20 });
  pool.on('error', () => {});
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: /* GraphQL */ `
        scalar JSONObject
        type Task {
          id: ID!
          leaseToken: String
          payload: JSONObject!
          status: String!
        }
        type Query {
          ok: Boolean!
        }
        type Mutation {
          dequeueTask(queueId: ID!, agentId: String!): Task
          completeTask(id: ID!, leaseToken: String, result: JSONObject): Task!
        }
      `,
      resolvers: {
        JSONObject: GraphQLJSONObject,
        Query: { ok: () => true },
        Mutation: {
          dequeueTask: (_: unknown, a: { queueId: string; agentId: string }) => claim(pool, { ownerId, queueId: a.queueId, agentId: a.agentId }),
          completeTask: async (_: unknown, a: { id: string; leaseToken?: string | null; result?: unknown }) => {
            const row = await complete(pool, { ownerId, taskId: a.id, leaseToken: a.leaseToken ?? null, result: a.result ?? null });
            if (!row) throw new GraphQLError(`task ${a.id} is not ASSIGNED under this lease`);
            return row;
          },
        },
      },
    }),
    logging: false,
    graphiql: false,
  });
  const server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.end();
    },
  };
}
