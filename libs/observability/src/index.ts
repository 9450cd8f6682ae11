export { type HealthServer, parseListenAddress, serveHealth } from "./health.ts";
export { createLogger, type Logger } from "./logger.ts";
export { Counter, counter, createRegistry, Gauge, gauge, Histogram, histogram, Registry } from "./metrics.ts";
