// The reference point for our GraphQL server: a bare graphql-yoga server with two mutations and
// nothing else (no auth, no validation plugins, no Pothos, no Prisma), running the same two SQL
// statements (bareStatements.ts) over a pg.Pool with named prepared statements. Whatever our
// server spends on top of this is ours to remove.
import { randomUUID } from 'node:crypto';
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
          dequeueTask: async (_: unknown, a: { queueId: string; agentId: string }) => {
            const values = claim.values({ ownerId, queueId: a.queueId, agentId: a.agentId, leaseToken: randomUUID() });
            const { rows } = await pool.query({ name: claim.name, text: claim.text, values });
            return rows[0] ?? null;
          },
          completeTask: async (_: unknown, a: { id: string; leaseToken?: string | null; result?: unknown }) => {
            const values = complete.values({ ownerId, taskId: a.id, leaseToken: a.leaseToken ?? null, result: a.result ?? null });
            const { rows } = await pool.query({ name: complete.name, text: complete.text, values });
            if (!rows[0]) throw new GraphQLError(`task ${a.id} is not ASSIGNED under this lease`);
            return rows[0];
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
