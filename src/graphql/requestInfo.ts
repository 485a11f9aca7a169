import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import { requestIdOf, requestInfo } from '../http/requestInfo.js';
import type { Context } from './context.js';
import { summarizeOperation } from './operation.js';

type WithRequest = { req?: IncomingMessage };

/**
 * Tells the request's record (access log, metrics) which operation ran and for which owner,
 * for GraphQL over HTTP and for the REST shim alike (both pass the Node request along), and
 * puts the request id into answers that carry errors (`extensions.requestId`), so a client can
 * quote it and an operator find the log line.
 */
export const useRequestInfo: Plugin<WithRequest> = {
  onExecute: ({ args }) => note((args.contextValue as WithRequest).req, args.document, args.operationName),
  onSubscribe: ({ args }) => note((args.contextValue as WithRequest).req, args.document, args.operationName),
  onContextBuilding:
    () =>
    ({ context }) => {
      const info = requestInfo((context as WithRequest).req);
      if (info) info.owner = (context as Partial<Context>).ownerId;
    },
  onResultProcess: ({ result, setResult, serverContext }) => {
    if (Array.isArray(result) || Symbol.asyncIterator in result || !result.errors?.length) return;
    const req = (serverContext as WithRequest).req;
    if (!req) return;
    const requestId = requestInfo(req)?.id ?? requestIdOf(req);
    setResult({ ...result, extensions: { ...result.extensions, requestId } });
  },
};

function note(req: IncomingMessage | undefined, document: Parameters<typeof summarizeOperation>[0], operationName?: string | null) {
  const info = requestInfo(req);
  if (!info) return;
  const op = summarizeOperation(document, operationName);
  info.operation = op?.label;
  info.operationName = op?.name;
}
