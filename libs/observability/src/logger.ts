import { type Logger, pino } from "pino";

export type { Logger } from "pino";

/**
 * A JSON logger for one component. Level from EVK_LOG_LEVEL (default info); tests set "silent" or
 * "warn" to keep their output readable.
 */
export function createLogger(component: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({
    name: component,
    level: process.env.EVK_LOG_LEVEL ?? "info",
    base: { component, pid: process.pid, ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
