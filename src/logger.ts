import { pino, type DestinationStream, type Logger } from 'pino';
import { currentRequestId } from './http/requestContext.js';

export type { Logger };

/** JSON logs; a line written while an HTTP request runs carries its `requestId`. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: undefined,
    mixin: () => {
      const requestId = currentRequestId();
      return requestId ? { requestId } : {};
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
