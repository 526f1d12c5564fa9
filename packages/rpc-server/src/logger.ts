import { type DestinationStream, type Logger, pino } from "pino";

export interface LoggerOptions {
  /** pino level. Default: `LOG_LEVEL` from the environment, else "info". */
  level?: string;
  /** Where lines go. Default stdout. Tests pass a stream to read the lines back. */
  destination?: DestinationStream;
}

/** A pino logger writing one JSON object per line, with `name` on every line. */
export function createLogger(name: string, opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? process.env.LOG_LEVEL ?? "info";
  return opts.destination ? pino({ name, level }, opts.destination) : pino({ name, level });
}
