/** Structured JSON logs: one object a line, always with the request id when there is one. */
import type { LogLevel } from "./config";

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** Whether a line at `level` would be written: lets a caller skip building its fields. */
  enabled(level: LogLevel): boolean;
}

/** One per request: methods on the prototype, so a request allocates one small object, no closures. */
class JsonLogger implements Logger {
  constructor(
    private readonly level: number,
    private readonly base: LogFields,
  ) {}

  enabled(level: LogLevel): boolean {
    return rank[level] >= this.level;
  }
  debug(msg: string, fields?: LogFields): void {
    this.write("debug", msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.write("info", msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.write("warn", msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.write("error", msg, fields);
  }

  private write(at: LogLevel, msg: string, fields?: LogFields): void {
    if (rank[at] < this.level) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level: at, msg, ...this.base, ...fields });
    if (at === "error") console.error(line);
    else if (at === "warn") console.warn(line);
    else console.log(line);
  }
}

/** A logger writing JSON lines at or above `level`, each carrying `base` (e.g. the request id). */
export function createLogger(level: LogLevel, base: LogFields = {}): Logger {
  return new JsonLogger(rank[level], base);
}

/**
 * The parts of an unknown thrown value worth logging. Libraries' errors (jose, oauth4webapi) carry a
 * `code`, which names them even where a minified bundle renamed their classes.
 */
export function describeError(error: unknown): LogFields {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { error: error.name, ...(typeof code === "string" ? { code } : {}), message: error.message, stack: error.stack };
  }
  return { error: String(error) };
}
