import type { IncomingMessage } from 'node:http';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Yoga } from '../graphql/yoga.js';
import { restError } from '../rest/errors.js';
import { runOperation } from '../rest/execute.js';

/** The team and member an agent token acts as: every tool works for this member only. */
export interface Agent {
  teamId: string;
  agentId: string;
}

/** One MCP request's caller: its token goes along with every operation a tool runs. */
export interface Caller {
  agent: Agent;
  /**
   * Runs a GraphQL operation in-process through Yoga with the caller's token, so the same
   * permission rules apply as on /graphql; a GraphQL error becomes a ToolFailure.
   */
  run<T, V>(document: TypedDocumentNode<T, V>, variables: V): Promise<T>;
}

/** A GraphQL error as a tool sees it: the code and message of the first error. */
export class ToolFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * GraphQL variable names as the tools call them (`id` is a tool's `taskId`), so an error names
 * the argument the model sent.
 */
const ARGUMENT_OF_VARIABLE: Record<string, string> = { id: 'taskId' };

export function createCaller(deps: {
  yoga: Yoga;
  agent: Agent;
  authorization: string;
  /** Aborts when the client goes away: a long claim stops waiting. */
  signal: AbortSignal;
  req: IncomingMessage;
}): Caller {
  return {
    agent: deps.agent,
    async run(document, variables) {
      const result = await runOperation(deps.yoga, document, variables, deps.authorization, deps.signal, deps.req);
      const first = result.errors?.[0];
      if (first || !result.data) {
        const error = restError(first ?? { message: 'no data' }, false, ARGUMENT_OF_VARIABLE);
        throw new ToolFailure(error.code, error.message, error.field);
      }
      return result.data;
    },
  };
}

/** A tool's answer: the value as JSON text for the model, and as structured content for programs. */
export function answer(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
}

/**
 * Runs a tool's body; a ToolFailure becomes a tool result with `isError: true` (not a protocol
 * error), so the model reads the code and message and can act on them.
 */
export async function asTool(body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (err) {
    if (!(err instanceof ToolFailure)) throw err;
    const error = { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) };
    return { isError: true, content: [{ type: 'text', text: `${err.code}: ${err.message}` }], structuredContent: { error } };
  }
}
