// Memory of ONE server instance holding many idle websocket subscribers: N graphql-ws sockets,
// each with one taskEvents(queueId) subscription. Every subscription is proven live (it received
// an event) before the server's VmRSS is read from /proc/<pid>/status.
import { readFileSync } from 'node:fs';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { BenchContext } from '../context.js';
import { createQueue } from '../database.js';
import { ENQUEUE, httpClient } from '../http.js';
import { fmt, progress, type Result } from '../report.js';

const MiB = 2 ** 20;

function openFilesLimit(): number {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
  return !m || m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

export async function rss(ctx: BenchContext): Promise<Result> {
  const label = (n: number) => `h. server RSS, ${fmt(n)} idle subscribers`;
  let n = ctx.opts.subscribers;
  const limit = openFilesLimit();
  let hint = '';
  if (limit < n + 500) {
    hint = `capped at ${fmt(limit - 500)} by the open-files limit ${limit}: raise it (ulimit -n ${n + 1000}) for ${fmt(n)}`;
    progress(`   rss: ${hint}`);
    n = Math.max(0, limit - 500);
  }
  // A fresh server: what it holds is the subscribers, not earlier scenarios' garbage.
  await ctx.stopServer();
  const server = await ctx.server('app');
  const http = httpClient(server.url, { token: ctx.token, connections: 1 });
  const queueId = await createQueue(ctx.dbs.admin, 'rss');
  const clients: Client[] = [];
  try {
    const baseline = await server.memory();
    const url = `${server.url.replace(/^http/, 'ws')}/graphql`;
    const heard = new Uint8Array(n);
    let heardCount = 0;
    let errors = 0;
    const WAVE = 250;
    for (let i = 0; i < n; i += WAVE) {
      await Promise.all(
        Array.from({ length: Math.min(WAVE, n - i) }, (_, j) => {
          const k = i + j;
          return new Promise<void>((resolve, reject) => {
            const client = createClient({
              url,
              webSocketImpl: WebSocket,
              connectionParams: { authorization: `Bearer ${ctx.token}` },
              lazy: false,
              retryAttempts: 0,
              onNonLazyError: reject,
              on: { connected: () => resolve() },
            });
            clients.push(client);
            client.subscribe(
              { query: 'subscription Idle($q: ID!) { taskEvents(queueId: $q) { id type } }', variables: { q: queueId } },
              {
                next: () => {
                  if (heard[k]) return;
                  heard[k] = 1;
                  heardCount++;
                },
                error: () => errors++,
                complete: () => {},
              },
            );
          });
        }),
      );
      if ((i + WAVE) % 2500 === 0 || i + WAVE >= n) progress(`   rss: ${fmt(Math.min(n, i + WAVE))}/${fmt(n)} sockets connected`);
    }
    // Acknowledged = delivered to: enqueue until every subscriber has had an event (the last
    // subscriptions may register on the server after the first enqueue).
    for (let round = 0; round < 30 && heardCount < n; round++) {
      await http.gql(ENQUEUE, { q: queueId, n: `rss-${round}` });
      const until = performance.now() + 2000;
      while (heardCount < n && performance.now() < until) await new Promise((r) => setTimeout(r, 20));
    }
    progress(`   rss: ${fmt(heardCount)}/${fmt(n)} subscribers received an event`);
    const mem = await server.memory();
    const value = mem.rss / MiB;
    const perSubscriber = n ? (mem.rss - baseline.rss) / n / 1024 : 0;
    const problems = [heardCount < n ? `${n - heardCount} subscribers never received an event` : '', errors ? `${errors} subscription errors` : '']
      .filter(Boolean)
      .join(', ');
    return {
      name: 'rss',
      label: label(n),
      value,
      unit: 'MiB',
      n,
      target: { text: '≤ 1024 MiB', met: value <= 1024 },
      ...(problems ? { failed: problems } : {}),
      detail: [
        `${fmt(n)} sockets × 1 subscription`,
        `baseline ${fmt(baseline.rss / MiB)} MiB`,
        `+${perSubscriber.toFixed(1)} KiB per subscriber`,
        `peak ${fmt(mem.peak / MiB)} MiB`,
        hint,
        server.where.startsWith('in the bench') ? 'server in the bench process: RSS includes the clients' : '',
      ]
        .filter(Boolean)
        .join('; '),
      extra: { server: server.where, baselineMiB: baseline.rss / MiB, peakMiB: mem.peak / MiB, sockets: n, subscriptionsPerSocket: 1 },
    };
  } finally {
    for (let i = 0; i < clients.length; i += 1000) await Promise.all(clients.slice(i, i + 1000).map((c) => c.dispose()));
    await http.close();
    await ctx.stopServer();
  }
}
