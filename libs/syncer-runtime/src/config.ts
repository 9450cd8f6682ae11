import { parseArgs } from "node:util";
import { parseListenAddress } from "@evk/observability";

/** Every syncer's knobs: a flag each, or the EVK_* environment variable of the same name. */
export interface SyncerConfig {
  cluster: string;
  nats: string;
  /** Kubeconfig of the host cluster (credentials limited to the host namespace suffice). */
  hostKubeconfig: string;
  /** The host namespace the cluster's objects live in. */
  hostNamespace: string;
  /** Keys reconciled at once. */
  concurrency: number;
  /** Requests per second toward the host, and the burst above it. */
  hostQps: number;
  hostBurst: number;
  /** Every object is looked at again this often, even without changes (0: never). */
  resyncSeconds: number;
  /** Failed attempts after which a key gets a Warning Event and waits for its next change. */
  maxRetries: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** /livez, /readyz, /metrics. */
  metrics: { host: string; port: number };
}

type Extra = Record<string, { type: "string" | "boolean"; default?: string | boolean }>;

const common = {
  cluster: { type: "string" },
  nats: { type: "string", default: "nats://127.0.0.1:4222" },
  "host-kubeconfig": { type: "string" },
  "host-namespace": { type: "string" },
  concurrency: { type: "string", default: "32" },
  "host-qps": { type: "string", default: "300" },
  "host-burst": { type: "string", default: "600" },
  "resync-period": { type: "string", default: "300" },
  "max-retries": { type: "string", default: "8" },
  "backoff-base-ms": { type: "string", default: "250" },
  "backoff-max-ms": { type: "string", default: "30000" },
  "metrics-addr": { type: "string", default: "127.0.0.1:0" },
  help: { type: "boolean" },
} as const;

export const COMMON_USAGE = `  --cluster NAME              virtual cluster name (required)
  --nats URL                  nats-server (default nats://127.0.0.1:4222)
  --host-kubeconfig PATH      host cluster kubeconfig (default $KUBECONFIG, then ~/.kube/config)
  --host-namespace NS         host namespace of the cluster's objects (required)
  --concurrency N             objects reconciled at once (default 32)
  --host-qps N, --host-burst N  request rate toward the host (default 300, burst 600)
  --resync-period SECONDS     look at every object again this often; 0 = never (default 300)
  --max-retries N             failed attempts before a Warning Event (default 8)
  --backoff-base-ms N, --backoff-max-ms N  retry backoff (default 250 .. 30000, with jitter)
  --metrics-addr HOST:PORT    /livez, /readyz, /metrics (default 127.0.0.1:0)
Every flag can also be given as an environment variable: --host-qps is EVK_HOST_QPS.`;

const envName = (flag: string) => `EVK_${flag.replace(/-/g, "_").toUpperCase()}`;

const positive = (flag: string, v: string, min = 1): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${flag} must be a number >= ${min}, got "${v}"`);
  return n;
};

/**
 * Parses the common flags plus a syncer's own; throws an Error with a one-line message on bad input.
 * Returns undefined config when --help was asked for.
 */
export function parseSyncerConfig<E extends Extra>(
  argv: string[],
  env: NodeJS.ProcessEnv,
  extra: E = {} as E,
): { config: SyncerConfig; extra: Record<keyof E, string | boolean | undefined> } | undefined {
  const options: Record<string, { type: "string" | "boolean"; default?: string | boolean }> = Object.fromEntries(
    Object.entries({ ...common, ...extra }).map(([k, v]) => [k, { ...v }]),
  );
  for (const [flag, o] of Object.entries(options)) {
    const fromEnv = env[envName(flag)];
    if (fromEnv !== undefined && flag !== "help") o.default = o.type === "boolean" ? fromEnv === "true" : fromEnv;
  }
  const { values } = parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  if (values.help) return undefined;
  const str = (k: string) => values[k] as string | undefined;
  const cluster = str("cluster");
  if (!cluster) throw new Error("--cluster is required");
  const hostNamespace = str("host-namespace");
  if (!hostNamespace) throw new Error("--host-namespace is required");
  const hostKubeconfig = str("host-kubeconfig") ?? env.KUBECONFIG ?? `${env.HOME ?? ""}/.kube/config`;
  const config: SyncerConfig = {
    cluster,
    nats: str("nats") as string,
    hostKubeconfig,
    hostNamespace,
    concurrency: positive("concurrency", str("concurrency") as string),
    hostQps: positive("host-qps", str("host-qps") as string),
    hostBurst: positive("host-burst", str("host-burst") as string),
    resyncSeconds: positive("resync-period", str("resync-period") as string, 0),
    maxRetries: positive("max-retries", str("max-retries") as string, 0),
    backoffBaseMs: positive("backoff-base-ms", str("backoff-base-ms") as string),
    backoffMaxMs: positive("backoff-max-ms", str("backoff-max-ms") as string),
    metrics: parseListenAddress("--metrics-addr", str("metrics-addr") as string),
  };
  if (config.backoffMaxMs < config.backoffBaseMs) throw new Error("--backoff-max-ms must be >= --backoff-base-ms");
  const rest = Object.fromEntries(Object.keys(extra).map((k) => [k, values[k]])) as Record<
    keyof E,
    string | boolean | undefined
  >;
  return { config, extra: rest };
}
