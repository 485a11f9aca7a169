// Loads one module per domain type; each registers its types and fields on the builder.
import { builder } from '../builder.js';
import './dispatch.js';
import './message.js';
import './task.js';
import './taskEvent.js';
import './team.js';
import './teamEvent.js';
import './workQueue.js';
import './queueStats.js';

export const schema = builder.toSchema({ sortSchema: true });
