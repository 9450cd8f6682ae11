import { Counter, Gauge, Histogram, Registry } from "prom-client";

export { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * Each service owns one registry and passes it to the libraries it wires together, so a library's
 * metrics are registered once per process and tests can inspect a private registry.
 */
export function createRegistry(): Registry {
  return new Registry();
}

/** Get-or-create, so two instances of a component in one process share their metric objects. */
export function counter(reg: Registry, name: string, help: string, labelNames: string[] = []): Counter<string> {
  return (
    (reg.getSingleMetric(name) as Counter<string> | undefined) ??
    new Counter({ name, help, labelNames, registers: [reg] })
  );
}

export function gauge(reg: Registry, name: string, help: string, labelNames: string[] = []): Gauge<string> {
  return (
    (reg.getSingleMetric(name) as Gauge<string> | undefined) ?? new Gauge({ name, help, labelNames, registers: [reg] })
  );
}

export function histogram(
  reg: Registry,
  name: string,
  help: string,
  labelNames: string[] = [],
  buckets: number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
): Histogram<string> {
  return (
    (reg.getSingleMetric(name) as Histogram<string> | undefined) ??
    new Histogram({ name, help, labelNames, buckets, registers: [reg] })
  );
}
