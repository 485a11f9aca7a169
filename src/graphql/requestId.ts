import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { currentRequestId } from '../http/requestContext.js';

/** A GraphQL answer with errors names its request in `extensions.requestId`, as in the server's log lines. */
export const useRequestIdInErrors: Plugin = {
  onResultProcess: ({ result, setResult }) => {
    const requestId = currentRequestId();
    if (!requestId || Array.isArray(result) || Symbol.asyncIterator in (result as object)) return;
    const r = result as ExecutionResult;
    if (r.errors?.length) setResult({ ...r, extensions: { ...r.extensions, requestId } });
  },
};
