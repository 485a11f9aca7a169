import type { Plugin } from 'graphql-yoga';
import { DomainError } from '../errors.js';
import { checkDeclaredLength, isJsonContentType, parseJson, readUtf8, unsupportedMediaType } from '../http/body.js';
import { requestError } from './errors.js';

/** Request-level failures (before any operation runs) with their HTTP status. */
function rethrow(err: unknown): never {
  if (err instanceof DomainError) throw requestError(err.code, err.message, err.field);
  throw err;
}

/**
 * POST /graphql reads its body as the REST shim does: JSON only (415 otherwise), at most
 * MAX_BODY_BYTES, valid UTF-8 (never silently replaced), a JSON object. Yoga's other POST parsers
 * (form posts, multipart) are thereby refused, which also keeps simple cross-site forms out.
 */
export const useJsonBody: Plugin = {
  onRequestParse({ request, setRequestParser }) {
    if (request.method !== 'POST') return;
    try {
      if (!isJsonContentType(request.headers.get('content-type'))) throw unsupportedMediaType('POST /graphql');
      checkDeclaredLength(request.headers.get('content-length'));
    } catch (err) {
      rethrow(err);
    }
    setRequestParser(async (req) => {
      try {
        const body = parseJson(req.body ? await readUtf8(req.body as unknown as AsyncIterable<Uint8Array>) : '');
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new DomainError('BAD_USER_INPUT', 'body: must be a JSON object', 'body');
        return body;
      } catch (err) {
        return rethrow(err);
      }
    });
  },
};
