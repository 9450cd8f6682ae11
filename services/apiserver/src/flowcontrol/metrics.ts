import type { Registry } from "@evk/observability";

// API Priority and Fairness metrics under kube-apiserver's names (apiserver_flowcontrol_*, labelled by
// priority_level and flow_schema). Every request touches some of them, so a label set resolves once to a
// child holding plain numbers, and the registry reads them when scraped.

type Labels = Record<string, string>;

interface MetricValue {
  labels: Labels;
  value: number;
  metricName?: string;
}

abstract class FastMetric<Child> {
  readonly name: string;
  readonly help: string;
  abstract readonly type: "counter" | "gauge" | "histogram";
  readonly aggregator = "sum";
  private readonly labelNames: string[];
  protected readonly children = new Map<string, { labels: Labels; child: Child }>();

  constructor(registry: Registry, name: string, help: string, labelNames: string[]) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
    const existing = registry.getSingleMetric(name) as unknown;
    if (!existing) registry.registerMetric(this as unknown as Parameters<Registry["registerMetric"]>[0]);
  }

  protected abstract make(): Child;

  /** The child of one label set (values in the order of the label names). */
  child(...values: string[]): Child {
    const key = values.join("\u0000");
    let c = this.children.get(key);
    if (!c) {
      // Written in name order, as Prometheus' Go client writes them.
      const labels: Labels = {};
      for (const [n, v] of this.labelNames
        .map((n, i) => [n, values[i] ?? ""] as const)
        .sort(([a], [b]) => (a < b ? -1 : 1)))
        labels[n] = v;
      c = { labels, child: this.make() };
      this.children.set(key, c);
    }
    return c.child;
  }

  protected abstract values(): MetricValue[];

  async get() {
    return { name: this.name, help: this.help, type: this.type, values: this.values(), aggregator: this.aggregator };
  }
}

export class FastCounter extends FastMetric<{ value: number }> {
  readonly type = "counter";
  protected make() {
    return { value: 0 };
  }
  protected values(): MetricValue[] {
    return [...this.children.values()].map(({ labels, child }) => ({ labels, value: child.value }));
  }
}

export class FastGauge extends FastMetric<{ value: number }> {
  readonly type = "gauge";
  protected make() {
    return { value: 0 };
  }
  protected values(): MetricValue[] {
    return [...this.children.values()].map(({ labels, child }) => ({ labels, value: child.value }));
  }
}

export class HistogramChild {
  readonly buckets: number[];
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(buckets: number[]) {
    this.buckets = buckets;
    this.counts = buckets.map(() => 0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++)
      if (v <= (this.buckets[i] as number)) {
        this.counts[i] = (this.counts[i] as number) + 1;
        break;
      }
  }
}

export class FastHistogram extends FastMetric<HistogramChild> {
  readonly type = "histogram";
  private readonly buckets: number[];
  constructor(registry: Registry, name: string, help: string, labelNames: string[], buckets: number[]) {
    super(registry, name, help, labelNames);
    this.buckets = buckets;
  }
  protected make() {
    return new HistogramChild(this.buckets);
  }
  protected values(): MetricValue[] {
    const out: MetricValue[] = [];
    for (const { labels, child } of this.children.values()) {
      let acc = 0;
      child.buckets.forEach((b, i) => {
        acc += child.counts[i] as number;
        out.push({ labels: { ...labels, le: String(b) }, value: acc, metricName: `${this.name}_bucket` });
      });
      out.push({ labels: { ...labels, le: "+Inf" }, value: child.count, metricName: `${this.name}_bucket` });
      out.push({ labels, value: child.sum, metricName: `${this.name}_sum` });
      out.push({ labels, value: child.count, metricName: `${this.name}_count` });
    }
    return out;
  }
}

const PL = "priority_level";
const FS = "flow_schema";
const DURATION_BUCKETS = [0, 0.005, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30];

/** The metrics one server keeps (one set per registry). */
export class FlowControlMetrics {
  readonly dispatched: FastCounter;
  readonly rejected: FastCounter;
  readonly inqueueRequests: FastGauge;
  readonly inqueueSeats: FastGauge;
  readonly executingRequests: FastGauge;
  readonly executingSeats: FastGauge;
  readonly waitDuration: FastHistogram;
  readonly executionSeconds: FastHistogram;
  readonly queueLength: FastHistogram;
  readonly workEstimatedSeats: FastHistogram;
  readonly nominalLimit: FastGauge;
  readonly lowerLimit: FastGauge;
  readonly upperLimit: FastGauge;
  readonly currentLimit: FastGauge;
  readonly concurrencyLimit: FastGauge;

  constructor(r: Registry) {
    const n = (s: string) => `apiserver_flowcontrol_${s}`;
    this.dispatched = new FastCounter(
      r,
      n("dispatched_requests_total"),
      "Number of requests executed by API Priority and Fairness subsystem",
      [PL, FS],
    );
    this.rejected = new FastCounter(
      r,
      n("rejected_requests_total"),
      "Number of requests rejected by API Priority and Fairness subsystem",
      [PL, FS, "reason"],
    );
    this.inqueueRequests = new FastGauge(
      r,
      n("current_inqueue_requests"),
      "Number of requests currently pending in queues of the API Priority and Fairness subsystem",
      [PL, FS],
    );
    this.inqueueSeats = new FastGauge(
      r,
      n("current_inqueue_seats"),
      "Number of seats currently pending in queues of the API Priority and Fairness subsystem",
      [PL, FS],
    );
    this.executingRequests = new FastGauge(
      r,
      n("current_executing_requests"),
      "Number of requests in initial (for a WATCH) or any (for a non-WATCH) execution stage in the API Priority and Fairness subsystem",
      [PL, FS],
    );
    this.executingSeats = new FastGauge(
      r,
      n("current_executing_seats"),
      "Concurrency (number of seats) occupied by the currently executing (initial stage for a WATCH, any stage otherwise) requests in the API Priority and Fairness subsystem",
      [PL, FS],
    );
    this.waitDuration = new FastHistogram(
      r,
      n("request_wait_duration_seconds"),
      "Length of time a request spent waiting in its queue",
      [PL, FS, "execute"],
      DURATION_BUCKETS,
    );
    this.executionSeconds = new FastHistogram(
      r,
      n("request_execution_seconds"),
      "Duration of initial stage (for a WATCH) or any (for a non-WATCH) stage of request execution in the API Priority and Fairness subsystem",
      [PL, FS, "type"],
      DURATION_BUCKETS,
    );
    this.queueLength = new FastHistogram(
      r,
      n("request_queue_length_after_enqueue"),
      "Length of queue in the API Priority and Fairness subsystem, as seen by each request after it is enqueued",
      [PL, FS],
      [0, 10, 25, 50, 100, 250, 500, 1000],
    );
    this.workEstimatedSeats = new FastHistogram(
      r,
      n("work_estimated_seats"),
      "Number of estimated seats (maximum of initial and final seats) associated with requests in API Priority and Fairness",
      [PL, FS],
      [1, 2, 4, 8, 16, 32, 64, 100],
    );
    this.nominalLimit = new FastGauge(
      r,
      n("nominal_limit_seats"),
      "Nominal number of execution seats configured for each priority level",
      [PL],
    );
    this.lowerLimit = new FastGauge(
      r,
      n("lower_limit_seats"),
      "Configured lower bound on number of execution seats available to each priority level",
      [PL],
    );
    this.upperLimit = new FastGauge(
      r,
      n("upper_limit_seats"),
      "Configured upper bound on number of execution seats available to each priority level",
      [PL],
    );
    this.currentLimit = new FastGauge(
      r,
      n("current_limit_seats"),
      "current derived number of execution seats available to each priority level",
      [PL],
    );
    this.concurrencyLimit = new FastGauge(
      r,
      n("request_concurrency_limit"),
      "Nominal number of execution seats configured for each priority level",
      [PL],
    );
  }
}

const byRegistry = new WeakMap<Registry, FlowControlMetrics>();

/** One set per registry, so servers sharing a registry (tests) share their metrics. */
export function flowControlMetrics(registry: Registry): FlowControlMetrics {
  let m = byRegistry.get(registry);
  if (!m) {
    m = new FlowControlMetrics(registry);
    byRegistry.set(registry, m);
  }
  return m;
}
