import type { IncomingMessage } from 'node:http';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { ExecutionResult, GraphQLFormattedError } from 'graphql';
import { closable } from '../events/closable.js';
import type { Yoga } from '../graphql/yoga.js';
import { runOperation } from '../rest/execute.js';
import { graphqlError, type ErrorMapping } from './errors.js';

/** Who calls and for which request: every operation runs with the caller's own token. */
export interface Caller {
  authorization: string | undefined;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
  req?: IncomingMessage;
}

/** Runs one query or mutation in-process through Yoga (as the REST shim does); an error becomes an A2A error. */
export async function run<T, V>(yoga: Yoga, caller: Caller, document: TypedDocumentNode<T, V>, variables: V, mapping: ErrorMapping = {}): Promise<T> {
  const result = await runOperation(yoga, document, variables, caller.authorization, caller.signal, caller.req);
  if (result.errors?.length || !result.data) throw graphqlError(result.errors?.[0] ?? { message: 'no data' }, mapping);
  return result.data;
}

/**
 * Opens one subscription in-process through the same envelop pipeline (authentication, validation,
 * owner checks). Resolves once the subscription is registered on the event bus, so nothing
 * committed afterwards is missed; a refused subscription (a foreign team) throws its A2A error.
 */
export async function subscribe<T, V>(yoga: Yoga, caller: Caller, document: TypedDocumentNode<T, V>, variables: V): Promise<AsyncGenerator<T>> {
  const request = { headers: new Headers(caller.authorization ? { authorization: caller.authorization } : {}), signal: caller.signal };
  const { schema, validate, contextFactory, subscribe: open } = yoga.getEnveloped({ request, req: caller.req } as never);
  const invalid = validate(schema, document);
  if (invalid.length) throw graphqlError(invalid[0]!.toJSON());
  let contextValue: unknown;
  try {
    contextValue = await contextFactory();
  } catch (err) {
    throw graphqlError(formatted(err));
  }
  const result = (await open({ schema, document, variableValues: variables as Record<string, unknown>, contextValue })) as
    | ExecutionResult<T>
    | AsyncGenerator<ExecutionResult<T>>;
  if (!(Symbol.asyncIterator in result)) throw graphqlError(result.errors?.[0] ? formatted(result.errors[0]) : { message: 'no stream' });
  return data(result);
}

/** The data of each event; an error event (e.g. the token expired) ends the stream with its A2A error. */
function data<T>(stream: AsyncGenerator<ExecutionResult<T>>): AsyncGenerator<T> {
  const generator = (async function* () {
    try {
      for await (const event of stream) {
        if (event.errors?.length || !event.data) throw graphqlError(formatted(event.errors?.[0]));
        yield event.data;
      }
    } finally {
      await stream.return(undefined);
    }
  })();
  // Ends at once even while waiting for the next event.
  return closable(generator, () => stream.return(undefined));
}

// Duck-typed: graphql may be loaded twice (its ESM and CommonJS copies).
function formatted(err: unknown): GraphQLFormattedError {
  const e = err as { toJSON?: () => GraphQLFormattedError } | undefined;
  if (typeof e?.toJSON === 'function') return e.toJSON();
  return { message: err instanceof Error ? err.message : 'no data' };
}
