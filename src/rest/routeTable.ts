import { teamRoutes } from './routes/teams.js';
import { workQueueRoutes } from './routes/workQueues.js';

/** Every REST endpoint: the router runs this table and the OpenAPI document lists it, in this order. */
export const restRoutes = [...workQueueRoutes, ...teamRoutes];
