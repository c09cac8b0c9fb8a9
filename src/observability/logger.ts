import winston from 'winston';

export type Logger = winston.Logger;

export interface LoggerOptions {
  level: string;
  /** Human-readable lines for a terminal; JSON otherwise. */
  pretty: boolean;
  /** Tests pass `true` to keep output quiet while still exercising log calls. */
  silent?: boolean;
  /** Where lines go instead of the console (tests read them back). */
  stream?: NodeJS.WritableStream;
}

/** Keys whose values never reach a log line, wherever they appear. */
const REDACTED_KEYS = new Set(['authorization', 'token', 'apikey', 'api_key', 'password', 'secret', 'content', 'prompt', 'messages']);

/** Secrets and bodies out; Error values in as name, message and stack (JSON drops them otherwise). */
const sanitize = winston.format((info) => {
  for (const key of Object.keys(info)) {
    const value: unknown = info[key];
    if (REDACTED_KEYS.has(key.toLowerCase())) info[key] = '[redacted]';
    else if (value instanceof Error) info[key] = { name: value.name, message: value.message, stack: value.stack };
  }
  return info;
});

export function createLogger(options: LoggerOptions): Logger {
  const pretty = winston.format.combine(
    winston.format.colorize(),
    winston.format.printf(({ level, message, timestamp, ...rest }) => {
      const fields = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
      return `${String(timestamp)} ${level} ${String(message)}${fields}`;
    }),
  );
  return skipDisabledLevels(winston.createLogger({
    level: options.level,
    silent: options.silent ?? false,
    format: winston.format.combine(
      sanitize(),
      winston.format.errors({ stack: true }),
      winston.format.timestamp(),
      options.pretty ? pretty : winston.format.json(),
    ),
    transports: [options.stream ? new winston.transports.Stream({ stream: options.stream }) : new winston.transports.Console()],
  }));
}

/**
 * winston builds and formats a line before its transports drop it for its level; a call at a
 * level no transport wants (a debug line under LOG_LEVEL=info, on every request) returns first.
 * Checked per call, so a level changed at runtime still applies.
 */
function skipDisabledLevels(logger: Logger): Logger {
  for (const level of Object.keys(logger.levels)) {
    const write = (logger as unknown as Record<string, (...args: unknown[]) => Logger>)[level];
    if (typeof write !== 'function') continue;
    (logger as unknown as Record<string, unknown>)[level] = (...args: unknown[]): Logger => (logger.isLevelEnabled(level) ? write.apply(logger, args) : logger);
  }
  return logger;
}
