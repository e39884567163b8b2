import { pino, type Logger } from 'pino';

/** Builds the process logger; the level comes from LOG_LEVEL. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'herald' }, redact: ['req.headers.authorization'] });
}
export type { Logger };
