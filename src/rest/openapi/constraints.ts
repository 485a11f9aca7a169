import { z } from 'zod';
import { cursorSchema, messageInputSchema } from '../../mailbox/validation.js';
import {
  claimSchema,
  completeBatchSchema,
  completeItemSchema,
  failBatchSchema,
  failItemSchema,
  heartbeatSchema,
  queueInputSchema,
  taskInputSchema,
} from '../../queues/validation.js';
import { backgroundInputSchema, dispatchInputSchema, teamInputSchema } from '../../teams/validation.js';

// The bounds the services enforce (their zod schemas, which they parse their input with) shown in
// the OpenAPI document: lengths, ranges, list sizes. Types and required fields come from GraphQL.

/** The schema each GraphQL input type's values are parsed with. */
const INPUT_TYPES: Record<string, z.ZodObject> = {
  CreateWorkQueueInput: queueInputSchema,
  EnqueueTaskInput: taskInputSchema,
  CompleteTaskItem: completeItemSchema,
  FailTaskItem: failItemSchema,
  CreateTeamInput: teamInputSchema,
  DispatchInput: dispatchInputSchema,
  BackgroundTaskInput: backgroundInputSchema,
  SendMessageInput: messageInputSchema,
};

/** The schema each root field's arguments are parsed with. */
const ROOT_FIELDS: Record<string, z.ZodObject> = {
  dequeueTask: claimSchema,
  dequeueTasks: claimSchema,
  stealTask: claimSchema,
  completeTask: completeItemSchema,
  failTask: failItemSchema,
  heartbeatTask: heartbeatSchema,
  completeTasks: z.object({ items: completeBatchSchema }),
  failTasks: z.object({ items: failBatchSchema }),
  markMessagesRead: z.object({ upTo: cursorSchema }),
  inbox: z.object({ after: cursorSchema.nullish() }),
};

const KEYWORDS = ['minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minItems', 'maxItems', 'pattern'];

type JsonSchema = Record<string, unknown>;

/** The bound keywords of one property (looking through `anyOf [X, null]`), and those of its items. */
function boundsOf(property: JsonSchema | undefined): JsonSchema {
  if (!property) return {};
  const variants = (property.anyOf as JsonSchema[] | undefined) ?? [property];
  const bounds: JsonSchema = {};
  for (const variant of variants) {
    for (const key of KEYWORDS) if (key in variant) bounds[key] = variant[key];
    if (variant.items) {
      const items = boundsOf(variant.items as JsonSchema);
      if (Object.keys(items).length) bounds.items = items;
    }
  }
  return bounds;
}

const cache = new Map<z.ZodObject, Record<string, JsonSchema>>();
function propertiesOf(schema: z.ZodObject | undefined): Record<string, JsonSchema> {
  if (!schema) return {};
  let properties = cache.get(schema);
  if (!properties) {
    const json = z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as JsonSchema;
    properties = (json.properties ?? {}) as Record<string, JsonSchema>;
    cache.set(schema, properties);
  }
  return properties;
}

/** Bounds of a field of a GraphQL input type. */
export const inputFieldBounds = (typeName: string, field: string) => boundsOf(propertiesOf(INPUT_TYPES[typeName])[field]);

/** Bounds of an argument of a root field. */
export const argumentBounds = (rootField: string, argument: string) => boundsOf(propertiesOf(ROOT_FIELDS[rootField])[argument]);
