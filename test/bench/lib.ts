// Small helpers shared by the benchmarks: closed-loop load with a fixed number of requests in flight,
// percentiles, and a plain table for the figures.

/** Runs `op(i)` for i in [0, total) with `concurrency` in flight; returns ops/s and per-op latencies (ms). */
export async function closedLoop(
  total: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
): Promise<{ opsPerSec: number; seconds: number; latenciesMs: number[] }> {
  let next = 0;
  const latenciesMs: number[] = new Array(total);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const s = performance.now();
        await op(i);
        latenciesMs[i] = performance.now() - s;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { opsPerSec: total / seconds, seconds, latenciesMs };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export function fmt(n: number, digits = 0): string {
  return Number.isFinite(n)
    ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "n/a";
}

export function printTable(title: string, rows: [string, string][]): void {
  const w = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(`\n${title}\n${"-".repeat(title.length)}\n`);
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(w)}  ${v}\n`);
}

/** A pod-sized object (~1 KiB of JSON), so figures speak for realistic writes. */
export function podObject(
  name: string,
  namespace = "bench",
): { apiVersion: string; kind: string; metadata: Record<string, unknown>; spec: unknown } {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace,
      uid: `00000000-0000-4000-8000-${String(name.length).padStart(12, "0")}`,
      labels: { app: "bench", tier: "web" },
    },
    spec: {
      containers: [
        {
          name: "web",
          image: "nginx:1.27",
          ports: [{ containerPort: 80, protocol: "TCP" }],
          resources: { requests: { cpu: "100m", memory: "128Mi" } },
          env: Array.from({ length: 8 }, (_, i) => ({ name: `VAR_${i}`, value: `value-${i}-${"x".repeat(40)}` })),
        },
      ],
      restartPolicy: "Always",
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
      serviceAccountName: "default",
    },
  };
}
