import { Gauge } from 'prom-client';
import { registry, sources } from './registry.js';

export interface WebSocketStats {
  connections: number;
  subscriptions: number;
}

const servers = sources<() => WebSocketStats>();
/** While registered, scrapes count this websocket server's connections and subscriptions. */
export const watchWebSockets = servers.add;

const total = (key: keyof WebSocketStats) => servers.all().reduce((sum, stats) => sum + stats()[key], 0);

new Gauge({
  name: 'agent_teams_websocket_connections',
  help: 'Open graphql-ws connections on this instance.',
  registers: [registry],
  collect() {
    this.set(total('connections'));
  },
});

new Gauge({
  name: 'agent_teams_websocket_subscriptions',
  help: 'Subscriptions streaming over websockets on this instance.',
  registers: [registry],
  collect() {
    this.set(total('subscriptions'));
  },
});
