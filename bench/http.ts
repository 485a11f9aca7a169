// The HTTP load generator: undici keep-alive connection pools, so connection setup is not measured.
import { Pool } from 'undici';

export class GraphQLErrors extends Error {
  constructor(readonly errors: { message: string; extensions?: { code?: string } }[]) {
    super(errors.map((e) => e.message).join('; '));
  }
}

export interface HttpClient {
  /** POST /graphql; the data, or throws GraphQLErrors. */
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** POST a JSON body; the parsed answer, or null for 204. Throws on any other status than 200/201/204. */
  post<T = Record<string, unknown>>(path: string, body: unknown): Promise<T | null>;
  close(): Promise<void>;
}

export function httpClient(baseUrl: string, options: { token?: string; connections: number }): HttpClient {
  const pool = new Pool(baseUrl, { connections: options.connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;

  async function post<T>(path: string, body: unknown): Promise<T | null> {
    const res = await pool.request({ method: 'POST', path, headers, body: JSON.stringify(body) });
    if (res.statusCode === 204) {
      await res.body.dump();
      return null;
    }
    if (res.statusCode !== 200 && res.statusCode !== 201) throw new Error(`${path}: HTTP ${res.statusCode} ${await res.body.text()}`);
    return (await res.body.json()) as T;
  }

  return {
    async gql<T>(query: string, variables: Record<string, unknown> = {}) {
      const res = await pool.request({ method: 'POST', path: '/graphql', headers, body: JSON.stringify({ query, variables }) });
      const body = (await res.body.json()) as { data?: T; errors?: GraphQLErrors['errors'] };
      if (body.errors?.length) throw new GraphQLErrors(body.errors);
      if (res.statusCode !== 200) throw new Error(`/graphql: HTTP ${res.statusCode}`);
      return body.data!;
    },
    post,
    close: () => pool.close(),
  };
}

export const DEQUEUE = 'mutation Dequeue($q: ID!, $a: String!) { dequeueTask(queueId: $q, agentId: $a) { id leaseToken payload } }';
export const COMPLETE = 'mutation Complete($id: ID!, $t: String) { completeTask(id: $id, leaseToken: $t, result: {ok: true}) { id status } }';
export const ENQUEUE = 'mutation Enqueue($q: ID!, $n: String!) { enqueueTask(queueId: $q, input: {name: $n}) { id } }';

type Claimed = { id: string; leaseToken: string | null };

/** One dequeue + complete through GraphQL; the completed id, or none when the queue is empty. */
export async function graphqlCycle(http: HttpClient, queueId: string, agent: string): Promise<string[]> {
  const { dequeueTask: t } = await http.gql<{ dequeueTask: Claimed | null }>(DEQUEUE, { q: queueId, a: agent });
  if (!t) return [];
  await http.gql(COMPLETE, { id: t.id, t: t.leaseToken });
  return [t.id];
}

/** The same through the REST shim. */
export async function restCycle(http: HttpClient, queueId: string, agent: string): Promise<string[]> {
  const t = await http.post<Claimed>(`/work-queues/${queueId}/dequeue`, { agentId: agent });
  if (!t) return [];
  await http.post(`/work-queue-tasks/${t.id}/complete`, { leaseToken: t.leaseToken, result: { ok: true } });
  return [t.id];
}
