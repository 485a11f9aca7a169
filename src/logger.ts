import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** JSON logs to stdout, or to `destination` (tests read them). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return destination ? pino({ level, base: undefined }, destination) : pino({ level, base: undefined });
}
