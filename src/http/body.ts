import { DomainError, badInput } from '../errors.js';

/**
 * The largest request body (REST and POST /graphql) and websocket message. It holds the largest
 * batch a service accepts (MAX_BATCH_BYTES, 8 MiB) with room for the rest of the request.
 */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** `application/json` or a `+json` type, in UTF-8 (the only charset JSON has, RFC 8259). */
export function isJsonContentType(header: string | null | undefined): boolean {
  const [type, ...params] = (header ?? '').toLowerCase().split(';').map((p) => p.trim());
  if (type !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(type ?? '')) return false;
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  return charset === undefined || charset === 'utf-8' || charset === 'utf8';
}

export const unsupportedMediaType = (what: string) =>
  new DomainError('UNSUPPORTED_MEDIA_TYPE', `${what} must be sent as Content-Type: application/json`);

const tooLarge = () => badInput('body', `must be at most ${MAX_BODY_BYTES} bytes`);

/** Refuses a declared Content-Length over the limit before anything is read. */
export function checkDeclaredLength(header: string | null | undefined): void {
  if (header != null && /^\d+$/.test(header) && Number(header) > MAX_BODY_BYTES) throw tooLarge();
}

/**
 * A request body as text: at most MAX_BODY_BYTES, and valid UTF-8. Invalid bytes are refused,
 * not replaced with U+FFFD, so what is stored is what the client sent.
 */
export async function readUtf8(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    parts.push(chunk);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(parts));
  } catch {
    throw badInput('body', 'must be valid UTF-8');
  }
}

/** JSON text as a value (blank text → undefined); malformed → BAD_USER_INPUT on `body`. */
export function parseJson(text: string): unknown {
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw badInput('body', 'malformed JSON');
  }
}
