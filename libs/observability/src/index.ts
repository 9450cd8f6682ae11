export { createLogger, type Logger } from "./logger.ts";
export { Counter, counter, createRegistry, Gauge, gauge, Histogram, histogram, Registry } from "./metrics.ts";
