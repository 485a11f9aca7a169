// Loads one module per domain type; each registers its types and fields on the builder.
import { builder } from '../builder.js';
import { guardRootFields } from '../permissions.js';
import './agentToken.js';
import './dispatch.js';
import './message.js';
import './schedule.js';
import './task.js';
import './taskEvent.js';
import './team.js';
import './teamEvent.js';
import './workQueue.js';
import './queueStats.js';

// Every root field passes through the agent-token rules (permissions.ts).
export const schema = guardRootFields(builder.toSchema({ sortSchema: true }));
