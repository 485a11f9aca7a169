import type { TestServer } from './server.js';

export interface RestResult {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON of a REST answer
  text: string;
}

/** A REST call on the test server's port, as curl would send it. */
export async function rest(s: TestServer, method: string, path: string, options: { body?: string | object; owner?: string | null } = {}): Promise<RestResult> {
  const headers: Record<string, string> = {};
  if (options.owner !== null) headers.authorization = `Bearer ${await s.tokenFor(options.owner ?? 'alice')}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${s.baseUrl}${path}`, {
    method,
    headers,
    body: typeof options.body === 'string' ? options.body : options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
}
